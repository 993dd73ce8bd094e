import { addMessages } from '../../platform/http/messages.js';

addMessages({
  registration_not_found: { zh: '申请不存在，或链接已失效。', en: 'No such application, or the link is no longer valid.' },
  registration_locked: { zh: '申请当前状态为“{status}”，不能修改。', en: 'The application is {status} and cannot be changed.' },
  registration_not_pending: { zh: '该申请当前状态为“{status}”，不在待审核状态。', en: 'The application is {status}, not waiting for review.' },
  registration_duplicate: {
    zh: '该统一社会信用代码已有待审核或已通过的申请（{status}），同一企业不能重复注册。',
    en: 'This company (by its unified social credit code) already has a pending or approved application ({status}).',
  },
  tenant_exists: { zh: '该企业已是 Pactum 租户，请联系贵公司管理员。', en: 'This company is already a Pactum tenant; contact your administrator.' },
  contact_email_taken: { zh: '该邮箱已是 Pactum 登录账号，请使用其他邮箱。', en: 'This e-mail is already a Pactum login; use another address.' },
  contact_email_pending: {
    zh: '该邮箱已用于另一份待审核或已通过的注册申请，请使用其他联系人邮箱。',
    en: 'This e-mail is already the contact of another pending or approved application; use another contact e-mail.',
  },
  email_taken: { zh: '该邮箱已被使用。', en: 'This e-mail is already in use.' },
  email_not_verified: { zh: '请先验证联系人邮箱。', en: 'Verify the contact e-mail first.' },
  email_already_verified: { zh: '邮箱已验证。', en: 'The e-mail is already verified.' },
  license_required: { zh: '请上传营业执照。', en: 'Upload the business license.' },
  license_missing: { zh: '尚未上传营业执照。', en: 'No business license has been uploaded.' },
  consent_version_mismatch: { zh: '请阅读并同意最新版隐私条款（{version}）。', en: 'Read and accept the current privacy terms ({version}).' },
  too_many_code_mails: { zh: '验证码发送次数已达上限，请稍后再试。', en: 'Too many codes were sent; try again later.' },
  code_invalid: { zh: '验证码不正确。', en: 'The code is incorrect.' },
  code_expired: { zh: '验证码已过期，请重新获取。', en: 'The code has expired; request a new one.' },
  code_not_sent: { zh: '请先获取验证码。', en: 'Request a code first.' },
  too_many_attempts: { zh: '尝试次数过多，请重新获取验证码。', en: 'Too many attempts; request a new code.' },
});
