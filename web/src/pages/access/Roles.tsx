import { Alert, Button, Card, Checkbox, Form, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { testId } from '../../testid';
import { MODULES, accessApi, type CatalogEntry, type Role } from './accessApi';
import { ReasonField, ReasonModal, type ReasonRequest } from './ReasonModal';

interface RoleForm {
  name: string;
  permissions: string[];
  reason?: string;
}

export default function Roles() {
  const { t, i18n } = useTranslation();
  const [roles, setRoles] = useState<Role[]>([]);
  const [catalog, setCatalog] = useState<CatalogEntry[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<Role | 'new' | null>(null);
  const [form] = Form.useForm<RoleForm>();
  const [confirming, setConfirming] = useState<ReasonRequest | null>(null);

  const load = useCallback(async () => {
    try {
      const [r, c] = await Promise.all([accessApi.roles(), accessApi.catalog()]);
      setRoles(r.items);
      setCatalog(c.items);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  // Catalogue grouped by module, core first, then the entitled modules in their usual order.
  const modules = ['core', ...MODULES].filter((m) => catalog.some((c) => c.module === m));
  const save = async (v: RoleForm) => {
    try {
      const body = { name: v.name, permissions: v.permissions ?? [], reason: v.reason || undefined };
      if (editing === 'new') await accessApi.createRole(body);
      else if (editing) await accessApi.updateRole(editing.id, body);
      setEditing(null);
      await load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Card title={t('access.roles.title')} extra={<Button type="primary" data-testid="create-role" onClick={() => { form.setFieldsValue({ name: '', permissions: [], reason: '' }); setEditing('new'); }}>{t('access.roles.create')}</Button>}>
      <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('access.roles.readOnlyHint')} />
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <Table<Role>
        rowKey="id"
        dataSource={roles}
        pagination={false}
        columns={[
          { title: t('access.roles.name'), render: (_, r) => (r.builtin ? t(`roles.${r.key}`, { defaultValue: r.name }) : r.name) },
          { title: '', render: (_, r) => <Tag color={r.builtin ? 'blue' : 'purple'}>{r.builtin ? t('access.roles.builtin') : t('access.roles.custom')}</Tag> },
          { title: t('access.roles.permissions'), render: (_, r) => <Typography.Text style={{ fontSize: 12 }}>{r.permissions.map((k) => t(`perms.${k}`, { defaultValue: k })).join(i18n.language === 'en' ? ', ' : '、')}</Typography.Text> },
          { title: t('access.roles.users'), dataIndex: 'userCount' },
          {
            title: '',
            render: (_, r) =>
              r.builtin ? null : (
                <Space>
                  <Button size="small" onClick={() => { form.setFieldsValue({ name: r.name, permissions: r.permissions, reason: '' }); setEditing(r); }}>{t('access.users.edit')}</Button>
                  <Button
                    size="small"
                    danger
                    data-testid="delete-role"
                    onClick={() => setConfirming({ title: t('access.roles.confirmDelete'), danger: true, run: async (reason) => { try { await accessApi.deleteRole(r.id, reason); await load(); } catch (e) { setError(e); } } })}
                  >
                    {t('access.roles.delete')}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      <Modal open={!!editing} title={editing === 'new' ? t('access.roles.create') : (editing as Role | null)?.name} onCancel={() => setEditing(null)} onOk={() => form.submit()} okButtonProps={{ ...testId('role-save') }} width={640} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={save}>
          <Form.Item name="name" label={t('access.roles.name')} rules={[{ required: true, max: 60 }]}>
            <Input data-testid="role-name" />
          </Form.Item>
          <Form.Item name="permissions" label={t('access.roles.permissions')}>
            <Checkbox.Group style={{ width: '100%' }}>
              {modules.map((m) => (
                <div key={m} style={{ marginBottom: 8 }}>
                  <Typography.Text strong>{t(`access.module.${m}`)}</Typography.Text>
                  <div>
                    {catalog.filter((c) => c.module === m).map((c) => (
                      <Checkbox key={c.key} value={c.key} data-testid={`perm-${c.key}`}>{t(`perms.${c.key}`, { defaultValue: c.key })}</Checkbox>
                    ))}
                  </div>
                </div>
              ))}
            </Checkbox.Group>
          </Form.Item>
          <ReasonField />
        </Form>
      </Modal>
      <ReasonModal request={confirming} onClose={() => setConfirming(null)} />
    </Card>
  );
}
