import { addMessages } from '../../platform/http/messages.js';

addMessages({
  account_locked: {
    zh: '登录失败次数过多，账号已被临时锁定，请在 {minutes} 分钟后重试，或通过“忘记密码”重置。',
    en: 'Too many failed sign-ins: the account is locked for {minutes} more minutes. Try later or reset your password.',
  },
  login_ip_locked: {
    zh: '来自该网络地址的登录失败次数过多，请在 {minutes} 分钟后重试。',
    en: 'Too many failed sign-ins from this network address; try again in {minutes} minutes.',
  },
  ip_not_allowed: { zh: '当前网络地址（{ip}）不在允许访问的范围内。', en: 'Access from this address ({ip}) is not allowed by the security policy.' },
  mfa_challenge_invalid: { zh: '二次验证已失效，请重新登录。', en: 'The sign-in step has expired; sign in again.' },
  mfa_method_unavailable: { zh: '该验证方式不可用。', en: 'This verification method is not available.' },
  mfa_code_invalid: { zh: '验证码不正确或已使用。', en: 'The code is incorrect or was already used.' },
  mfa_too_many_attempts: { zh: '验证尝试次数过多，请重新登录。', en: 'Too many attempts; sign in again.' },
  mfa_setup_required: { zh: '安全策略要求启用二次验证，请先在“账号安全”中设置。', en: 'The security policy requires a second factor; set one up under Security first.' },
  mfa_not_enrolled: { zh: '尚未开始绑定该验证方式。', en: 'This factor has not been started.' },
  totp_already_enrolled: { zh: '已绑定身份验证器应用，如需更换请先解除绑定。', en: 'An authenticator app is already set up; remove it first to replace it.' },
  webauthn_failed: { zh: '通行密钥验证失败。', en: 'The passkey could not be verified.' },
  phone_not_verified: { zh: '未绑定已验证的手机号。', en: 'No verified phone number is set up.' },
  sms_rate_limited: { zh: '短信发送过于频繁，请稍后再试。', en: 'Codes are being sent too often; wait a moment.' },
  reauth_required: { zh: '该操作需要重新验证身份（{minutes} 分钟内）。', en: 'This action needs you to confirm your identity again (within {minutes} minutes).' },
  reauth_failed: { zh: '身份验证失败。', en: 'Identity confirmation failed.' },
  reset_token_invalid: { zh: '重置链接无效、已使用或已过期，请重新申请。', en: 'The reset link is invalid, used or expired; request a new one.' },
  session_not_found: { zh: '会话不存在。', en: 'No such session.' },
  user_not_found: { zh: '用户不存在。', en: 'No such user.' },
  cidr_invalid: { zh: '不是有效的 IP 地址或网段（CIDR）。', en: 'Not a valid IP address or CIDR range.' },
  allowlist_locks_out: {
    zh: '保存后当前地址（{ip}）将无法访问，请把它加入允许列表。',
    en: 'Saving would lock out your current address ({ip}); include it in the list.',
  },
  retention_too_short: { zh: '审计日志保留期不得少于 180 天。', en: 'Audit logs must be kept for at least 180 days.' },
  chain_not_found: { zh: '审计链不存在。', en: 'No such audit chain.' },
  phone_invalid: { zh: '手机号格式不正确。', en: 'Not a valid mobile number.' },
});
