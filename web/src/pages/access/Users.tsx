import { Alert, Button, Card, Form, Input, Modal, Select, Space, Table, Tag, Typography, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { applyFieldErrors } from '../../api';
import { useAuth } from '../../auth';
import { useFormat } from '../../format';
import { testId } from '../../testid';
import Invitations from './Invitations';
import { LEVELS, SCOPES, accessApi, type AccessUser, type Department, type Role } from './accessApi';
import { ReasonField, ReasonModal, type ReasonRequest } from './ReasonModal';

interface UserForm {
  email?: string;
  name?: string;
  reason?: string;
  roleIds: string[];
  clearance?: string;
  scope?: string;
  departmentId?: string | null;
}

export default function Users() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [users, setUsers] = useState<AccessUser[]>([]);
  const [seats, setSeats] = useState({ used: 0, limit: 0 });
  const [roles, setRoles] = useState<Role[]>([]);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [inviting, setInviting] = useState(false);
  const [editing, setEditing] = useState<AccessUser | null>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const [inviteForm] = Form.useForm<UserForm>();
  const [invitationsVersion, setInvitationsVersion] = useState(0);
  const [editForm] = Form.useForm<UserForm>();
  const [tier, setTier] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<ReasonRequest | null>(null);
  const { me } = useAuth();

  const load = useCallback(async () => {
    try {
      const [u, r, d, m] = await Promise.all([
        accessApi.users(),
        accessApi.roles().catch(() => ({ items: [] as Role[] })),
        accessApi.departments(),
        accessApi.me().catch(() => null),
      ]);
      setTier(m?.entitlements.tier ?? null);
      setUsers(u.items);
      setSeats(u.seats);
      setRoles(r.items);
      setDepartments(d.items);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const roleOptions = roles.map((r) => ({ value: r.id, label: r.builtin ? t(`roles.${r.key}`, { defaultValue: r.name }) : r.name }));
  const deptOptions = departments.map((d) => ({ value: d.id, label: d.name }));
  // Levels up to the tenant's tier only; an invitation defaults to internal, or the tier when that is lower.
  const rank = (l: string) => LEVELS.indexOf(l as (typeof LEVELS)[number]);
  const levelOptions = LEVELS.filter((l) => !tier || rank(l) <= rank(tier)).map((l) => ({ value: l, label: t(`access.level.${l}`) }));
  const defaultClearance = tier && rank(tier) < rank('internal') ? tier : 'internal';
  const belowTier = !!tier && users.some((u) => u.status === 'active' && rank(u.clearance) < rank(tier));
  const scopeOptions = SCOPES.map((s) => ({ value: s, label: t(`access.scope.${s}`) }));

  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      message.success(t('access.users.saved'));
      await load();
    } catch (e) {
      setError(e);
    }
  };

  const submitInvite = async (v: UserForm) => {
    try {
      setFormError(null);
      await accessApi.invite({ email: v.email ?? '', roleIds: v.roleIds ?? [], clearance: v.clearance, scope: v.scope, departmentId: v.departmentId ?? null, reason: v.reason || undefined });
      message.success(t('access.users.invited', { email: v.email }));
      setInviting(false);
      inviteForm.resetFields();
      setInvitationsVersion((v) => v + 1);
      await load();
    } catch (e) {
      applyFieldErrors(inviteForm, e, ['email', 'roleIds', 'clearance', 'scope', 'departmentId']);
      setFormError(e);
    }
  };

  const submitEdit = async (v: UserForm) => {
    if (!editing) return;
    try {
      setFormError(null);
      await accessApi.updateUser(editing.id, { name: v.name, roleIds: v.roleIds, clearance: v.clearance, scope: v.scope, departmentId: v.departmentId ?? null, reason: v.reason || undefined });
      setEditing(null);
      message.success(t('access.users.saved'));
      await load();
    } catch (e) {
      applyFieldErrors(editForm, e, ['name', 'roleIds', 'clearance', 'scope', 'departmentId', 'reason']);
      setFormError(e);
    }
  };

  const editingSelf = !!editing && editing.id === me?.user.id;
  const fields = (withEmail: boolean) => (
    <>
      {withEmail ? (
        <Form.Item name="email" label={t('access.users.email')} rules={[{ required: true, type: 'email' }]}>
          <Input data-testid="invite-email" autoComplete="off" />
        </Form.Item>
      ) : (
        <Form.Item name="name" label={t('access.users.name')} rules={[{ required: true, max: 100, whitespace: true }]}>
          <Input data-testid="edit-name" autoComplete="off" />
        </Form.Item>
      )}
      {!withEmail && editingSelf && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('access.users.selfHint')} />}
      <Form.Item name="roleIds" label={t('access.users.roles')}>
        <Select mode="multiple" options={roleOptions} disabled={!withEmail && editingSelf} data-testid={withEmail ? 'invite-role' : 'edit-role'} />
      </Form.Item>
      <Form.Item name="clearance" label={t('access.users.clearance')}>
        <Select options={levelOptions} />
      </Form.Item>
      <Form.Item name="scope" label={t('access.users.scope')}>
        <Select options={scopeOptions} data-testid={withEmail ? 'invite-scope' : 'edit-scope'} />
      </Form.Item>
      <Form.Item name="departmentId" label={t('access.users.department')}>
        <Select allowClear options={deptOptions} />
      </Form.Item>
      <ReasonField />
    </>
  );

  return (
    <Card
      title={t('access.users.title')}
      extra={
        <Space>
          <Typography.Text type="secondary">{t('access.users.seats', seats)}</Typography.Text>
          <Button type="primary" data-testid="invite-user" onClick={() => { setFormError(null); setInviting(true); }}>
            {t('access.users.invite')}
          </Button>
        </Space>
      }
    >
      <ProblemAlert error={error} onClose={() => setError(null)} />
      {belowTier && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('access.users.tierHint', { tier: t(`access.level.${tier}`) })} data-testid="tier-hint" />}
      <Table<AccessUser>
        rowKey="id"
        dataSource={users}
        pagination={false}
        onRow={() => testId('user-row')}
        columns={[
          { title: t('access.users.name'), dataIndex: 'name' },
          { title: t('access.users.email'), dataIndex: 'email' },
          { title: t('access.users.roles'), render: (_, u) =>
              u.roleIds.map((id, i) => {
                const key = u.roles[i] ?? '';
                const name = u.roleNames?.[i] ?? id;
                return <Tag key={id}>{roleOptions.find((o) => o.value === id)?.label ?? (key.startsWith('custom_') ? name : t(`roles.${key}`, { defaultValue: name }))}</Tag>;
              }),
          },
          { title: t('access.users.clearance'), render: (_, u) => t(`access.level.${u.clearance}`) },
          { title: t('access.users.scope'), render: (_, u) => t(`access.scope.${u.scope}`) },
          { title: t('access.users.department'), render: (_, u) => departments.find((d) => d.id === u.departmentId)?.name ?? '—' },
          { title: t('access.users.status'), render: (_, u) => <Tag color={u.status === 'active' ? 'green' : 'default'}>{t(`access.userStatus.${u.status}`)}</Tag> },
          { title: t('access.users.lastLogin'), render: (_, u) => (u.lastLoginAt ? fmt.dateTime(u.lastLoginAt) : t('access.users.never')) },
          {
            title: t('access.users.actions'),
            render: (_, u) => (
              <Space>
                <Button size="small" data-testid="edit-user" onClick={() => { setFormError(null); setEditing(u); editForm.setFieldsValue({ name: u.name, roleIds: u.roleIds, clearance: u.clearance, scope: u.scope, departmentId: u.departmentId, reason: '' }); }}>
                  {t('access.users.edit')}
                </Button>
                {u.status === 'active' ? (
                  <Button size="small" danger data-testid="disable-user" onClick={() => setConfirming({ title: t('access.users.confirmDisable'), danger: true, run: (reason) => act(() => accessApi.disable(u.id, reason)) })}>
                    {t('access.users.disable')}
                  </Button>
                ) : (
                  <Button size="small" data-testid="enable-user" onClick={() => setConfirming({ title: t('access.users.confirmEnable'), run: (reason) => act(() => accessApi.enable(u.id, reason)) })}>
                    {t('access.users.enable')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      <Invitations version={invitationsVersion} onChange={() => void load()} />
      <Modal open={inviting} title={t('access.users.invite')} onCancel={() => setInviting(false)} onOk={() => inviteForm.submit()} okButtonProps={{ ...testId('invite-submit') }} destroyOnHidden>
        <ProblemAlert error={formError} />
        <Form form={inviteForm} layout="vertical" onFinish={submitInvite} initialValues={{ roleIds: [], clearance: defaultClearance, scope: 'own' }}>
          {fields(true)}
        </Form>
      </Modal>
      <ReasonModal request={confirming} onClose={() => setConfirming(null)} />
      <Modal open={!!editing} title={editing?.email} onCancel={() => setEditing(null)} onOk={() => editForm.submit()} okButtonProps={{ ...testId('edit-submit') }} destroyOnHidden>
        <ProblemAlert error={formError} />
        <Form form={editForm} layout="vertical" onFinish={submitEdit}>
          {fields(false)}
        </Form>
      </Modal>
    </Card>
  );
}
