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

  denialSpike(locale: Locale, to: string, tenant: string, count: number, hours: number): MailMessage {
    return locale === 'en'
      ? msg(to, `Pactum: unusual number of denied actions in ${tenant}`, [
          `${count} actions were denied in ${tenant} during the last ${hours} hours.`,
          'Review the over-reach report and the denied attempts in the access console.',
        ])
      : msg(to, `Pactum：「${tenant}」被拒绝操作异常增多`, [
          `过去 ${hours} 小时内，「${tenant}」有 ${count} 次操作被拒绝。`,
          '请在权限控制台查看越权审计报告和被拒绝的操作。',
        ]);
  },
};
