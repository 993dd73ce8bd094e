export type Locale = 'zh-CN' | 'en';

/** Error and validation messages by stable code. `{name}` placeholders are filled from params. */
export const messages: Record<string, { zh: string; en: string }> = {
  status_400: { zh: '请求有误', en: 'Bad request' },
  status_401: { zh: '未登录', en: 'Unauthorized' },
  status_403: { zh: '无权操作', en: 'Forbidden' },
  status_404: { zh: '未找到', en: 'Not found' },
  status_409: { zh: '冲突', en: 'Conflict' },
  status_410: { zh: '已失效', en: 'Gone' },
  status_413: { zh: '内容过大', en: 'Payload too large' },
  status_415: { zh: '不支持的文件类型', en: 'Unsupported media type' },
  status_422: { zh: '输入有误', en: 'Unprocessable content' },
  status_423: { zh: '已锁定', en: 'Locked' },
  status_429: { zh: '请求过于频繁', en: 'Too many requests' },
  status_500: { zh: '服务器内部错误', en: 'Internal server error' },
  status_503: { zh: '服务暂不可用', en: 'Service unavailable' },

  internal_error: { zh: '服务器内部错误，请稍后重试。', en: 'Something went wrong on our side. Please try again later.' },
  not_found: { zh: '请求的资源不存在。', en: 'The requested resource does not exist.' },
  route_not_found: { zh: '接口不存在。', en: 'No such endpoint.' },
  bad_request: { zh: '请求格式有误。', en: 'The request is malformed.' },
  invalid_json: { zh: '请求体不是有效的 JSON。', en: 'The request body is not valid JSON.' },
  unsupported_content_type: { zh: '不支持的请求内容类型。', en: 'Unsupported request content type.' },
  validation_failed: { zh: '输入有误，请检查标出的字段。', en: 'Some fields are invalid; please check them.' },
  payload_too_large: { zh: '请求内容超过上限（{limit}）。', en: 'The request is larger than the limit ({limit}).' },
  rate_limited: { zh: '操作过于频繁，请 {wait}后重试。', en: 'Too many requests. Try again in {wait}.' },
  unauthenticated: { zh: '请先登录。', en: 'Please sign in first.' },
  session_expired: { zh: '登录已过期，请重新登录。', en: 'Your session has expired. Please sign in again.' },
  forbidden: { zh: '您没有执行此操作的权限。', en: 'You are not allowed to do this.' },
  csrf_failed: { zh: '安全校验失败，请刷新页面后重试。', en: 'Security check failed (CSRF). Reload the page and try again.' },
  invalid_credentials: { zh: '邮箱或密码不正确。', en: 'Incorrect e-mail or password.' },
  account_disabled: { zh: '该账号已停用，请联系管理员。', en: 'This account is disabled. Contact your administrator.' },
  tenant_not_active: { zh: '所属租户当前状态为“{status}”，无法登录。', en: 'Your organisation is {status}; sign-in is not possible.' },
  password_change_required: { zh: '请先修改初始密码。', en: 'Please change your initial password first.' },
  current_password_wrong: { zh: '当前密码不正确。', en: 'The current password is incorrect.' },

  // field-level codes
  file_empty: { zh: '文件为空。', en: 'The file is empty.' },
  file_too_large: { zh: '文件超过 {limit} 上限。', en: 'The file is larger than {limit}.' },
  file_type_refused: {
    zh: '不接受此类文件：按内容识别为 {detected} 格式，只接受 {allowed}。',
    en: 'File type refused: its content is {detected}; only {allowed} are accepted.',
  },
  file_type_unknown: {
    zh: '无法识别文件内容（文件名后缀不算数），只接受 {allowed}。',
    en: 'The content of this file is not a recognised format (its name does not count); only {allowed} are accepted.',
  },
  required: { zh: '必填。', en: 'Required.' },
  invalid_type: { zh: '类型不正确。', en: 'Wrong type.' },
  too_short: { zh: '至少 {min} 个字符。', en: 'At least {min} characters.' },
  too_long: { zh: '最多 {max} 个字符。', en: 'At most {max} characters.' },
  too_small: { zh: '不能小于 {min}。', en: 'Must be at least {min}.' },
  too_big: { zh: '不能大于 {max}。', en: 'Must be at most {max}.' },
  invalid_value: { zh: '取值无效。', en: 'Invalid value.' },
  invalid_format: { zh: '格式不正确。', en: 'Invalid format.' },
  unknown_field: { zh: '不认识的字段。', en: 'Unknown field.' },
  invalid_characters: { zh: '包含无效的字符。', en: 'Contains invalid characters.' },
  control_characters: { zh: '不能包含控制字符或不可见字符。', en: 'Must not contain control or invisible characters.' },
  uscc_required: { zh: '请填写统一社会信用代码。', en: 'Enter the unified social credit code.' },
  uscc_legacy_registration_number: {
    zh: '这是 2015 年前的 15 位工商注册号，请填写 18 位统一社会信用代码（见营业执照）。',
    en: 'This is a 15-digit pre-2015 registration number; enter the 18-character unified social credit code shown on the business license.',
  },
  uscc_length: { zh: '统一社会信用代码应为 18 位。', en: 'The unified social credit code has 18 characters.' },
  uscc_charset: {
    zh: '统一社会信用代码只含数字和大写字母（不含 I、O、S、V、Z）。',
    en: 'The unified social credit code uses digits and capital letters only (never I, O, S, V or Z).',
  },
  uscc_check_character: {
    zh: '统一社会信用代码校验位不正确，请核对（GB 32100-2015）。',
    en: 'The check character of the unified social credit code is wrong (GB 32100-2015); please check the code.',
  },
  mobile_invalid: { zh: '请输入有效的中国大陆手机号码（13–19 开头的 11 位数字）。', en: 'Enter a valid mainland China mobile number (11 digits starting 13–19).' },
  email_invalid: { zh: '请输入有效的电子邮箱地址。', en: 'Enter a valid e-mail address.' },
  password_too_short: { zh: '密码至少 {min} 个字符。', en: 'The password needs at least {min} characters.' },
  password_too_common: { zh: '该密码过于常见，请换一个。', en: 'This password is too common; choose another.' },
  password_contains_identity: { zh: '密码不能包含邮箱或姓名。', en: 'The password must not contain your e-mail or name.' },
  password_reused: { zh: '新密码不能与当前密码相同。', en: 'The new password must differ from the current one.' },
};

export function addMessages(more: Record<string, { zh: string; en: string }>): void {
  Object.assign(messages, more);
}
