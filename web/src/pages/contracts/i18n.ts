/* UI strings of the contracts area (mounted under the `contracts` key of zh-CN.ts / en.ts). */
export const contractsZh = {
  nav: '合同',
  dashboardNav: '合同看板',
  passkey: { sign: '用通行密钥签署', method: { passkey: '通行密钥', email_code: '邮件验证码' } },
  list: { title: '合同', new: '新建合同', search: '搜索标题、相对方、编号或正文（如：违约责任）', status: '状态', type: '类型', party: '相对方', minAmount: '最低金额（元）', maxAmount: '最高金额（元）', tag: '标签', from: '签订日期起', to: '签订日期止', total: '共 {{total}} 份' },
  fields: { number: '合同编号', title: '合同名称', type: '合同类型', counterparty: '相对方', uscc: '统一社会信用代码', amount: '金额（元）', startDate: '开始日期', endDate: '结束日期', signingDate: '签订日期', sensitivity: '密级', tags: '标签', body: '合同正文', status: '状态', updatedAt: '更新时间', archiveNumber: '档案号', retentionUntil: '保管期限至', autoRenew: '自动续约' },
  status: { draft: '草稿', in_approval: '审批中', approved: '已审批', signing: '签署中', signed: '已签署', archived: '已归档', withdrawn: '已撤回', terminated: '已终止', expired: '已到期' },
  sensitivity: { public: '公开', internal: '内部', confidential: '机密', restricted: '核心机密' },
  create: { title: '新建合同', template: '合同模板', noTemplate: '不使用模板（直接填写正文）', values: '模板变量', save: '保存草稿', saved: '已保存' },
  detail: { body: '正文', versions: '版本', diff: '与上一版本对比', attachments: '附件', approval: '审批', signers: '签署', audit: '审计记录', upload: '上传附件', submit: '提交审批', approve: '同意', return: '退回', reject: '驳回', comment: '审批意见', withdraw: '撤回', archive: '归档', downloadSealed: '下载签章版 PDF', noApproval: '尚未提交审批', step: '第 {{n}} 步', myTurn: '轮到您审批', addSigner: '添加签署人', internal: '内部签署人（用户 ID）', counterparty: '相对方签署人', signerName: '姓名', signerEmail: '邮箱', partyName: '所属单位', userId: '用户 ID', saveSigners: '保存签署人', deadline: '签署截止日', startSigning: '发起签署', requestCode: '获取邮箱验证码', code: '6 位验证码', sign: '签署', sealed: '已盖章，原文 SHA-256：{{orig}}，签章版 SHA-256：{{sealed}}', edit: '编辑正文', saveVersion: '保存为新版本' },
  dashboard: { title: '合同看板', byStatus: '按状态', expiring: '90 天内到期', myApprovals: '待我审批', amountByMonth: '按月签约金额' },
  sign: { title: '签署合同', issuer: '发起方', yourTurn: '请阅读合同后，获取验证码并签署。', notYourTurn: '尚未轮到您签署，或您已签署。', codeSent: '验证码已发送至 {{to}}', done: '签署完成，感谢！' },
  verify: { title: '验证签章文件', help: '上传 Pactum 签章的 PDF，检查它是否与签章时完全一致。', upload: '选择 PDF 文件', valid: '验证通过：这是 Pactum 签章文件，且未被修改。', invalid: '验证失败：该文件不是 Pactum 签章文件，或签章后已被修改（{{reason}}）。', signers: '签署人' },
};

export const contractsEn: typeof contractsZh = {
  nav: 'Contracts',
  dashboardNav: 'Contract dashboard',
  passkey: { sign: 'Sign with passkey', method: { passkey: 'Passkey', email_code: 'E-mail code' } },
  list: { title: 'Contracts', new: 'New contract', search: 'Search title, party, number or text (e.g. 违约责任)', status: 'Status', type: 'Type', party: 'Counterparty', minAmount: 'Min amount (CNY)', maxAmount: 'Max amount (CNY)', tag: 'Tag', from: 'Signed from', to: 'Signed to', total: '{{total}} in total' },
  fields: { number: 'Number', title: 'Title', type: 'Type', counterparty: 'Counterparty', uscc: 'USCC', amount: 'Amount (CNY)', startDate: 'Start date', endDate: 'End date', signingDate: 'Signing date', sensitivity: 'Sensitivity', tags: 'Tags', body: 'Contract text', status: 'Status', updatedAt: 'Updated', archiveNumber: 'Archive number', retentionUntil: 'Retain until', autoRenew: 'Auto-renew' },
  status: { draft: 'Draft', in_approval: 'In approval', approved: 'Approved', signing: 'Signing', signed: 'Signed', archived: 'Archived', withdrawn: 'Withdrawn', terminated: 'Terminated', expired: 'Expired' },
  sensitivity: { public: 'Public', internal: 'Internal', confidential: 'Confidential', restricted: 'Restricted' },
  create: { title: 'New contract', template: 'Template', noTemplate: 'No template (write the text)', values: 'Template variables', save: 'Save draft', saved: 'Saved' },
  detail: { body: 'Text', versions: 'Versions', diff: 'Compare with previous', attachments: 'Attachments', approval: 'Approval', signers: 'Signing', audit: 'Audit trail', upload: 'Upload attachment', submit: 'Submit for approval', approve: 'Approve', return: 'Return', reject: 'Reject', comment: 'Comment', withdraw: 'Withdraw', archive: 'Archive', downloadSealed: 'Download sealed PDF', noApproval: 'Not submitted yet', step: 'Step {{n}}', myTurn: 'Your approval is requested', addSigner: 'Add signer', internal: 'Internal signer (user ID)', counterparty: 'Counterparty signer', signerName: 'Name', signerEmail: 'E-mail', partyName: 'Organisation', userId: 'User ID', saveSigners: 'Save signers', deadline: 'Signing deadline', startSigning: 'Start signing', requestCode: 'E-mail me a code', code: '6-digit code', sign: 'Sign', sealed: 'Sealed. Original SHA-256: {{orig}}; sealed SHA-256: {{sealed}}', edit: 'Edit text', saveVersion: 'Save as new version' },
  dashboard: { title: 'Contract dashboard', byStatus: 'By status', expiring: 'Ending within 90 days', myApprovals: 'Awaiting my approval', amountByMonth: 'Signed amount by month' },
  sign: { title: 'Sign the contract', issuer: 'Issued by', yourTurn: 'Read the contract, then request a code and sign.', notYourTurn: 'It is not your turn yet, or you have signed already.', codeSent: 'A code was sent to {{to}}', done: 'Signed. Thank you!' },
  verify: { title: 'Verify a sealed document', help: 'Upload a PDF sealed by Pactum to check that it is exactly as sealed.', upload: 'Choose a PDF', valid: 'Valid: this is a Pactum-sealed document and it has not been changed.', invalid: 'Not valid: this file is not a Pactum-sealed document, or it was changed after sealing ({{reason}}).', signers: 'Signers' },
};
