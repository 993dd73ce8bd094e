/* Strings of the access pages (tenant console and operator side), merged under the `access` key. */
export const accessZh = {
  nav: { users: '用户', roles: '角色', departments: '部门', requests: '权限申请', history: '权限历史', tenants: '租户', requestQueue: '权限申请审批', platformHistory: '权限历史', reports: '越权审计', apiKeys: 'API 密钥' },
  level: { public: '公开', internal: '内部', confidential: '机密', restricted: '核心机密' },
  scope: { own: '本人', department: '本部门', department_and_below: '本部门及下级', tenant: '全租户' },
  module: { core: '基础', drafting: '起草', approval: '审批', signing: '签署', archiving: '归档', analytics: '统计分析', api_access: 'API 接入' },
  userStatus: { active: '在用', disabled: '已停用', invited: '已邀请' },
  requestStatus: { pending: '待审批', approved: '已批准（待生效）', rejected: '已驳回', applied: '已生效' },
  requestType: { module: '开通模块', tier: '提升密级上限', seats: '增加席位' },
  users: {
    title: '用户管理', invite: '邀请用户', email: '邮箱', name: '姓名', roles: '角色', status: '状态', clearance: '数据密级', scope: '数据范围',
    department: '部门', lastLogin: '最近登录', never: '从未登录', actions: '操作', disable: '停用', enable: '启用', edit: '编辑',
    seats: '席位：已用 {{used}} / 上限 {{limit}}', invited: '邀请已发送至 {{email}}', confirmDisable: '停用后该用户的登录会话立即失效，确定停用？', saved: '已保存',
  },
  roles: {
    title: '角色管理', builtin: '内置', custom: '自定义', create: '新建角色', name: '角色名称', permissions: '权限', users: '用户数',
    readOnlyHint: '内置角色只读；自定义角色只能包含贵租户已开通模块的权限。', delete: '删除', confirmDelete: '确定删除该角色？',
  },
  departments: { title: '部门', add: '新建部门', name: '部门名称', parent: '上级部门', none: '（顶级）', delete: '删除', edit: '重命名 / 移动', editTitle: '编辑部门', save: '保存', head: '部门负责人', noHead: '（未设置）', headIs: '负责人：{{name}}', headHint: '合同审批流程中“部门负责人”步骤的审批人。' },
  invitations: {
    title: '邀请', email: '邮箱', status: '状态', createdAt: '发出时间', expiresAt: '有效期至', revoke: '撤销', confirmRevoke: '撤销后链接立即失效，确定撤销？', revoked: '邀请已撤销',
    statuses: { pending: '待接受', accepted: '已接受', expired: '已过期', revoked: '已撤销' },
  },
  reports: {
    title: '越权审计报告', run: '立即生成报告', created: '报告已生成', time: '生成时间', trigger: '触发方式', tenant: '租户', open: '查看',
    triggers: { scheduled: '定期', on_demand: '手动' },
    summary: '概要', denials: '被拒绝操作', deniedUsers: '涉及用户', unused: '90 天未使用的权限', sod: '职责冲突', admins: '管理员', dormant: '休眠账号',
    tooMany: '管理员过多（上限 {{n}}）', ok: '正常', user: '用户', count: '次数', last: '最近一次', reasons: '原因', permissions: '权限', pair: '冲突的权限组合',
    lastLogin: '最近登录', never: '从未登录', period: '统计最近 {{days}} 天的被拒绝操作', back: '返回列表', empty: '无',
    settings: '审计设置', sodPairs: '职责分离（互斥权限组合）', addPair: '添加组合', maxAdmins: '管理员人数上限', spikeThreshold: '告警阈值（同一用户 10 分钟内被拒绝次数）', save: '保存设置', saved: '设置已保存',
    alerts: '告警', alertText: '{{user}} 在 {{minutes}} 分钟内被拒绝 {{count}} 次', runFor: '为租户生成报告', chooseTenant: '选择租户',
  },
  requests: {
    title: '权限变更申请', create: '提交申请', type: '申请类型', module: '模块', tier: '密级上限', seats: '席位数', reason: '申请理由',
    status: '状态', requestedAt: '提交时间', comment: '审批意见', current: '当前：模块 {{modules}}；席位 {{seats}}；密级上限 {{tier}}', submitted: '申请已提交',
    tenant: '租户', approve: '批准', reject: '驳回', effectiveFrom: '生效日期（可选）', decide: '审批', filter: '状态',
  },
  history: {
    title: '权限变更历史', time: '时间', actor: '操作人', kind: '类型', subject: '对象', change: '变更', reason: '原因', exportCsv: '导出 CSV',
    filterKind: '按类型筛选', search: '搜索对象 / 操作人 / 原因', tenant: '租户',
  },
  tenants: {
    title: '租户', name: '名称', status: '状态', plan: '套餐', open: '权限设置', entitlements: '权益', modules: '已开通模块', seatLimit: '席位上限',
    tier: '密级上限', seatsUsed: '已用席位', reason: '变更原因', save: '保存权益', state: '租户状态', setState: '更改状态', saved: '已保存',
    stateHelp: '受限 = 只读；暂停 = 仅账单、付款与数据导出；终止 = 立即结束所有会话。',
  },
  tenantStatus: { active: '正常', restricted: '受限（只读）', suspended: '已暂停', terminated: '已终止' },
  apiKeys: {
    title: 'API 密钥', create: '新建 API 密钥', name: '名称', role: '角色', prefix: '密钥前缀', createdAt: '创建时间', createdBy: '创建人', expiresAt: '到期时间', never: '永不过期',
    lastUsed: '最近使用', unused: '从未使用', status: '状态', revoke: '吊销', revokeTitle: '吊销 API 密钥“{{name}}”', revokeReason: '吊销原因（可选）',
    revokeWarning: '吊销后，使用该密钥的集成在下一次请求时立即失效，且无法恢复。', revoked: 'API 密钥已吊销',
    intro: '集成系统（ERP、OA 等）使用 API 密钥调用 Pactum 接口：请求头 Authorization: Bearer <密钥>。密钥拥有所选角色的权限和创建人的数据范围，每次调用都以该密钥记入审计日志。',
    namePlaceholder: '例如：金蝶 ERP 同步', expiryHelp: '不填则永不过期；到期后密钥自动失效。', roleHelp: '只能选择不超出您自身权限的角色。',
    tokenTitle: 'API 密钥已创建', tokenWarning: '请立即复制并妥善保存此密钥。它只显示这一次，关闭后无法再次查看；Pactum 只保存其哈希值。',
    copy: '复制密钥', copied: '已复制', done: '我已保存，关闭', notAssignable: '（超出您的权限）', revokedBy: '由 {{by}} 吊销：{{reason}}',
    statuses: { active: '有效', expired: '已过期', revoked: '已吊销', role_removed: '角色已删除' },
  },
  invitation: {
    title: '接受邀请', intro: '您被邀请加入「{{tenant}}」。请确认受邀邮箱并设置姓名和密码。', email: '受邀邮箱', name: '姓名', password: '密码',
    submit: '完成注册', done: '注册完成，请登录。', login: '去登录',
  },
};

export const accessEn: typeof accessZh = {
  nav: { users: 'Users', roles: 'Roles', departments: 'Departments', requests: 'Permission requests', history: 'Permission history', tenants: 'Tenants', requestQueue: 'Permission requests', platformHistory: 'Permission history', reports: 'Over-reach audit', apiKeys: 'API keys' },
  level: { public: 'Public', internal: 'Internal', confidential: 'Confidential', restricted: 'Restricted' },
  scope: { own: 'Own', department: 'Department', department_and_below: 'Department and below', tenant: 'Whole tenant' },
  module: { core: 'Core', drafting: 'Drafting', approval: 'Approval', signing: 'Signing', archiving: 'Archiving', analytics: 'Analytics', api_access: 'API access' },
  userStatus: { active: 'Active', disabled: 'Disabled', invited: 'Invited' },
  requestStatus: { pending: 'Pending', approved: 'Approved (scheduled)', rejected: 'Rejected', applied: 'Applied' },
  requestType: { module: 'Enable a module', tier: 'Raise the tier', seats: 'More seats' },
  users: {
    title: 'Users', invite: 'Invite user', email: 'E-mail', name: 'Name', roles: 'Roles', status: 'Status', clearance: 'Clearance', scope: 'Data scope',
    department: 'Department', lastLogin: 'Last sign-in', never: 'Never', actions: 'Actions', disable: 'Disable', enable: 'Enable', edit: 'Edit',
    seats: 'Seats: {{used}} used of {{limit}}', invited: 'Invitation sent to {{email}}', confirmDisable: 'The user’s sessions end at once. Disable?', saved: 'Saved',
  },
  roles: {
    title: 'Roles', builtin: 'Built-in', custom: 'Custom', create: 'New role', name: 'Role name', permissions: 'Permissions', users: 'Users',
    readOnlyHint: 'Built-in roles are read-only; custom roles can hold only permissions of modules your organisation is entitled to.', delete: 'Delete', confirmDelete: 'Delete this role?',
  },
  departments: { title: 'Departments', add: 'New department', name: 'Name', parent: 'Parent', none: '(top level)', delete: 'Delete', edit: 'Rename / move', editTitle: 'Edit department', save: 'Save', head: 'Department head', noHead: '(none)', headIs: 'Head: {{name}}', headHint: 'Approves the "department head" steps of contract approval workflows.' },
  invitations: {
    title: 'Invitations', email: 'E-mail', status: 'Status', createdAt: 'Sent', expiresAt: 'Valid until', revoke: 'Revoke', confirmRevoke: 'The link stops working at once. Revoke?', revoked: 'Invitation revoked',
    statuses: { pending: 'Pending', accepted: 'Accepted', expired: 'Expired', revoked: 'Revoked' },
  },
  reports: {
    title: 'Over-reach audit reports', run: 'Run the audit now', created: 'Report created', time: 'Created', trigger: 'Trigger', tenant: 'Tenant', open: 'Open',
    triggers: { scheduled: 'Scheduled', on_demand: 'On demand' },
    summary: 'Summary', denials: 'Denied actions', deniedUsers: 'Users', unused: 'Permissions unused for 90 days', sod: 'Separation-of-duty conflicts', admins: 'Admins', dormant: 'Dormant accounts',
    tooMany: 'Too many admins (limit {{n}})', ok: 'OK', user: 'User', count: 'Count', last: 'Last', reasons: 'Reasons', permissions: 'Permissions', pair: 'Conflicting pair',
    lastLogin: 'Last sign-in', never: 'Never', period: 'Denied actions of the last {{days}} days', back: 'Back to the list', empty: 'None',
    settings: 'Audit settings', sodPairs: 'Separation of duty (conflicting pairs)', addPair: 'Add pair', maxAdmins: 'Maximum number of admins', spikeThreshold: 'Alert threshold (denials of one user within 10 minutes)', save: 'Save settings', saved: 'Settings saved',
    alerts: 'Alerts', alertText: '{{user}}: {{count}} denials within {{minutes}} minutes', runFor: 'Run for a tenant', chooseTenant: 'Choose a tenant',
  },
  requests: {
    title: 'Permission change requests', create: 'Submit request', type: 'Type', module: 'Module', tier: 'Tier', seats: 'Seats', reason: 'Reason',
    status: 'Status', requestedAt: 'Submitted', comment: 'Decision comment', current: 'Now: modules {{modules}}; seats {{seats}}; tier {{tier}}', submitted: 'Request submitted',
    tenant: 'Tenant', approve: 'Approve', reject: 'Reject', effectiveFrom: 'Effective from (optional)', decide: 'Decide', filter: 'Status',
  },
  history: {
    title: 'Permission history', time: 'Time', actor: 'By', kind: 'Kind', subject: 'Subject', change: 'Change', reason: 'Reason', exportCsv: 'Export CSV',
    filterKind: 'Filter by kind', search: 'Search subject / actor / reason', tenant: 'Tenant',
  },
  tenants: {
    title: 'Tenants', name: 'Name', status: 'Status', plan: 'Plan', open: 'Access settings', entitlements: 'Entitlements', modules: 'Modules', seatLimit: 'Seat limit',
    tier: 'Tier (highest level)', seatsUsed: 'Seats used', reason: 'Reason for the change', save: 'Save entitlements', state: 'Tenant state', setState: 'Change state', saved: 'Saved',
    stateHelp: 'Restricted = read-only; suspended = billing, payment and data export only; terminated = all sessions end now.',
  },
  tenantStatus: { active: 'Active', restricted: 'Restricted (read-only)', suspended: 'Suspended', terminated: 'Terminated' },
  apiKeys: {
    title: 'API keys', create: 'New API key', name: 'Name', role: 'Role', prefix: 'Key prefix', createdAt: 'Created', createdBy: 'Created by', expiresAt: 'Expires', never: 'Never',
    lastUsed: 'Last used', unused: 'Never used', status: 'Status', revoke: 'Revoke', revokeTitle: 'Revoke the API key “{{name}}”', revokeReason: 'Reason (optional)',
    revokeWarning: 'Integrations using this key stop working on their next request. This cannot be undone.', revoked: 'API key revoked',
    intro: 'Integrations (ERP, OA, …) call the Pactum API with an API key: header Authorization: Bearer <key>. A key holds the permissions of its role and the data reach of the user who created it; every call is audited as the key.',
    namePlaceholder: 'e.g. ERP sync', expiryHelp: 'Leave empty for no expiry; the key stops working when it expires.', roleHelp: 'Only roles that hold no more than you do.',
    tokenTitle: 'API key created', tokenWarning: 'Copy this key now and keep it safe. It is shown only this once and cannot be displayed again; Pactum keeps only its hash.',
    copy: 'Copy key', copied: 'Copied', done: 'I have saved it, close', notAssignable: '(beyond your permissions)', revokedBy: 'Revoked by {{by}}: {{reason}}',
    statuses: { active: 'Active', expired: 'Expired', revoked: 'Revoked', role_removed: 'Role deleted' },
  },
  invitation: {
    title: 'Accept invitation', intro: 'You are invited to join {{tenant}}. Confirm the invited e-mail and set your name and password.', email: 'Invited e-mail', name: 'Name', password: 'Password',
    submit: 'Create account', done: 'Your account is ready. Please sign in.', login: 'Sign in',
  },
};
