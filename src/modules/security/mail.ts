import { simpleHtml, type MailMessage } from '../../platform/mail.js';

type Locale = 'zh-CN' | 'en';

function msg(to: string, subject: string, paragraphs: string[], link?: { href: string; label: string }): MailMessage {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.href}`] : []), '', '— Pactum'].join('\n\n');
  return { to, subject, text, html: simpleHtml(subject, paragraphs, link) };
}

export const securityMail = {
  locked(locale: Locale, to: string, minutes: number, ip: string | null, resetLink: string): MailMessage {
    return locale === 'en'
      ? msg(to, 'Your Pactum account was locked', [
          `After several failed sign-in attempts (last from ${ip ?? 'an unknown address'}), your account is locked for ${minutes} minutes.`,
          'If this was not you, reset your password now and tell your administrator.',
        ], { href: resetLink, label: 'Reset password' })
      : msg(to, '您的 Pactum 账号已被临时锁定', [
          `由于多次登录失败（最近一次来自 ${ip ?? '未知地址'}），您的账号已被锁定 ${minutes} 分钟。`,
          '如非本人操作，请立即重置密码并告知贵公司管理员。',
        ], { href: resetLink, label: '重置密码' });
  },
  reset(locale: Locale, to: string, link: string, minutes: number): MailMessage {
    return locale === 'en'
      ? msg(to, 'Reset your Pactum password', [
          `Someone (hopefully you) asked to reset the password of this account. The link works once and expires in ${minutes} minutes.`,
          'Your second factor is still required at sign-in. If you did not ask for this, ignore this message.',
        ], { href: link, label: 'Choose a new password' })
      : msg(to, '重置您的 Pactum 密码', [
          `我们收到了重置该账号密码的请求。链接仅可使用一次，${minutes} 分钟内有效。`,
          '重置后登录仍需二次验证。如非本人操作，请忽略本邮件。',
        ], { href: link, label: '设置新密码' });
  },
  factorChanged(locale: Locale, to: string, what: string): MailMessage {
    return locale === 'en'
      ? msg(to, 'Your Pactum sign-in settings changed', [`Change: ${what}.`, 'If this was not you, reset your password and tell your administrator at once.'])
      : msg(to, '您的 Pactum 登录验证设置已变更', [`变更内容：${what}。`, '如非本人操作，请立即重置密码并告知贵公司管理员。']);
  },
};
