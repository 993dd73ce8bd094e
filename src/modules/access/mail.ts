import { simpleHtml, type MailMessage } from '../../platform/mail.js';

type Locale = 'zh-CN' | 'en';

function msg(to: string, subject: string, paragraphs: string[], link?: { href: string; label: string }): MailMessage {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.href}`] : []), '', '— Pactum'].join('\n\n');
  return { to, subject, text, html: simpleHtml(subject, paragraphs, link) };
}

const fmt = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

export const accessMail = {
  invitation(locale: Locale, to: string, tenant: string, inviter: string, link: string, expiresAt: Date): MailMessage {
    return locale === 'en'
      ? msg(to, `You are invited to ${tenant} on Pactum`, [
          `${inviter} invited you to join ${tenant} on Pactum.`,
          `Set your name and password with this personal link. It works once, only for ${to}, until ${fmt(expiresAt)}.`,
        ], { href: link, label: 'Accept invitation' })
      : msg(to, `邀请您加入 Pactum 上的「${tenant}」`, [
          `${inviter} 邀请您加入 Pactum 上的「${tenant}」。`,
          `请通过下面的专属链接设置姓名和密码。链接仅限 ${to} 使用一次，有效期至 ${fmt(expiresAt)}。`,
        ], { href: link, label: '接受邀请' });
  },

  /** `bilingual`: Chinese first, then English (for recipients whose language is not known). */
  denialSpike(locale: Locale | 'bilingual', to: string, tenant: string, user: string, count: number, minutes: number): MailMessage {
    const zh = [`${minutes} 分钟内，「${tenant}」的用户 ${user} 有 ${count} 次操作被拒绝。`, '请在权限控制台查看被拒绝的操作和越权审计报告。'];
    const en = [`${count} actions by ${user} were denied in ${tenant} within ${minutes} minutes.`, 'Review the denied attempts and the over-reach reports in the access console.'];
    const zhSubject = `Pactum：「${tenant}」被拒绝操作异常增多`;
    const enSubject = `Pactum: unusual number of denied actions in ${tenant}`;
    if (locale === 'en') return msg(to, enSubject, en);
    if (locale === 'zh-CN') return msg(to, zhSubject, zh);
    return msg(to, `${zhSubject} / Unusual number of denied actions`, [...zh, '———', ...en]);
  },
};
