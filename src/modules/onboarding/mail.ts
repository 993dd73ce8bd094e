import { simpleHtml, type MailMessage } from '../../platform/mail.js';

type Locale = 'zh-CN' | 'en';

const REASON_TEXT: Record<string, { zh: string; en: string }> = {
  incomplete: { zh: '资料不完整', en: 'The application is incomplete' },
  license_unreadable: { zh: '营业执照无法辨认', en: 'The business license cannot be read' },
  name_mismatch: { zh: '公司名称与营业执照不一致', en: 'The company name does not match the business license' },
  duplicate: { zh: '重复申请', en: 'Duplicate application' },
  other: { zh: '其他原因', en: 'Other reason' },
};

export function reasonText(code: string, locale: Locale): string {
  const r = REASON_TEXT[code];
  return r ? (locale === 'en' ? r.en : r.zh) : code;
}

function msg(to: string, subject: string, paragraphs: string[], link?: { href: string; label: string }): MailMessage {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.href}`] : []), '', '— Pactum'].join('\n\n');
  return { to, subject, text, html: simpleHtml(subject, paragraphs, link) };
}

export const onboardingMail = {
  emailCode(locale: Locale, to: string, code: string, minutes: number, link: string): MailMessage {
    return locale === 'en'
      ? msg(to, `Your Pactum verification code: ${code}`, [
          `Your e-mail verification code is ${code}.`,
          `It expires in ${minutes} minutes. If you did not request it, ignore this message.`,
          'Your registration is saved as a draft; this personal link opens it again (do not share it):',
        ], { href: link, label: 'Continue registration' })
      : msg(to, `Pactum 邮箱验证码：${code}`, [
          `您的邮箱验证码为 ${code}。`,
          `${minutes} 分钟内有效。如非本人操作，请忽略本邮件。`,
          '您的企业注册申请已保存为草稿，可随时通过下面的专属链接继续填写（请勿转发）：',
        ], { href: link, label: '继续注册' });
  },

  submitted(locale: Locale, to: string, company: string, version: number, statusLink: string): MailMessage {
    return locale === 'en'
      ? msg(to, 'We received your Pactum registration', [
          `Your application for ${company} (version ${version}) was submitted and is waiting for review.`,
          'We will e-mail you the result. You can check the status at any time:',
        ], { href: statusLink, label: 'Application status' })
      : msg(to, '已收到您的 Pactum 注册申请', [
          `「${company}」的注册申请（第 ${version} 版）已提交，正在等待审核。`,
          '审核结果将通过邮件通知您，也可随时查看申请状态：',
        ], { href: statusLink, label: '查看申请状态' });
  },

  approved(locale: Locale, to: string, company: string, login: string, password: string, loginLink: string): MailMessage {
    return locale === 'en'
      ? msg(to, 'Your Pactum tenant is ready', [
          `The registration of ${company} was approved and your tenant has been created (trial plan).`,
          `Sign in as the tenant administrator with: login ${login}, initial password ${password}`,
          'The initial password is shown only in this message and must be changed at first sign-in.',
        ], { href: loginLink, label: 'Sign in' })
      : msg(to, '您的 Pactum 企业账号已开通', [
          `「${company}」的注册申请已审核通过，企业账号已创建（试用版）。`,
          `请以租户管理员身份登录：账号 ${login}，初始密码 ${password}`,
          '初始密码仅在本邮件中出现一次，首次登录后须立即修改。',
        ], { href: loginLink, label: '立即登录' });
  },

  rejected(locale: Locale, to: string, company: string, reasons: string[], comment: string, editLink: string): MailMessage {
    const list = reasons.map((r) => `• ${reasonText(r, locale)}`).join('\n');
    return locale === 'en'
      ? msg(to, 'Your Pactum registration needs changes', [
          `The registration of ${company} was not approved, for these reasons:`,
          list,
          comment ? `Reviewer’s comment: ${comment}` : '',
          'You can correct the application and submit it again with this link:',
        ].filter(Boolean), { href: editLink, label: 'Edit and resubmit' })
      : msg(to, '您的 Pactum 注册申请未通过审核', [
          `「${company}」的注册申请未通过审核，原因如下：`,
          list,
          comment ? `审核意见：${comment}` : '',
          '您可以通过以下链接修改后重新提交：',
        ].filter(Boolean), { href: editLink, label: '修改并重新提交' });
  },
};
