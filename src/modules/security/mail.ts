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
  alert(locale: Locale, to: string, rule: string, severity: string, actor: string, link: string): MailMessage {
    const names: Record<string, [string, string]> = {
      mass_download: ['短时间内大量下载', 'many downloads in a short time'],
      failed_logins: ['大量登录失败', 'many failed sign-ins'],
      repeated_denials: ['反复被拒绝的操作', 'repeated denied actions'],
      off_hours_access: ['非工作时间访问', 'access outside working hours'],
      api_key_new_ip: ['API 密钥来自新 IP', 'API key used from a new IP'],
      new_network: ['从新的国家/网络登录', 'sign-in from a new country or network'],
    };
    const [zh, en] = names[rule] ?? [rule, rule];
    return locale === 'en'
      ? msg(to, `Pactum security alert: ${en}`, [`Rule: ${en} (severity ${severity}).`, `Actor: ${actor}.`, 'Review it and acknowledge, dismiss or escalate it.'], { href: link, label: 'Open alerts' })
      : msg(to, `Pactum 安全告警：${zh}`, [`规则：${zh}（级别 ${severity}）。`, `相关账号：${actor}。`, '请核查后确认、忽略或升级处理。'], { href: link, label: '查看告警' });
  },
  incidentNotice(locale: Locale, to: string, title: string, severity: string, message: string): MailMessage {
    return locale === 'en'
      ? msg(to, `Pactum security incident notice: ${title}`, [`Severity: ${severity}.`, message, 'Contact Pactum support for questions.'])
      : msg(to, `Pactum 安全事件通知：${title}`, [`事件级别：${severity}。`, message, '如有疑问，请联系 Pactum 客服。']);
  },
  factorChanged(locale: Locale, to: string, what: string): MailMessage {
    return locale === 'en'
      ? msg(to, 'Your Pactum sign-in settings changed', [`Change: ${what}.`, 'If this was not you, reset your password and tell your administrator at once.'])
      : msg(to, '您的 Pactum 登录验证设置已变更', [`变更内容：${what}。`, '如非本人操作，请立即重置密码并告知贵公司管理员。']);
  },
};
