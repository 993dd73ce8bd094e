import { Button, Card, Form, Input, Modal, Select, Space, Tree } from 'antd';
import type { DataNode } from 'antd/es/tree';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { testId } from '../../testid';
import { accessApi, type AccessUser, type Department } from './accessApi';
import { ReasonField, ReasonModal, type ReasonRequest } from './ReasonModal';

interface TreeActions {
  headOf: (d: Department) => string | null;
  onDelete: (d: Department) => void;
  onEdit: (d: Department) => void;
  del: string;
  edit: string;
}

function toTree(all: Department[], parent: string | null, a: TreeActions): DataNode[] {
  return all
    .filter((d) => d.parentId === parent)
    .map((d) => ({
      key: d.id,
      title: (
        <Space>
          <span data-testid={`department-${d.name}`}>{d.name} ({d.userCount})</span>
          {a.headOf(d) && <span data-testid={`department-head-${d.name}`}>· {a.headOf(d)}</span>}
          <a onClick={() => a.onEdit(d)} data-testid={`department-edit-${d.name}`}>{a.edit}</a>
          <a onClick={() => a.onDelete(d)} data-testid={`department-delete-${d.name}`}>{a.del}</a>
        </Space>
      ),
      children: toTree(all, d.id, a),
    }));
}

/** The department and everything below it (not valid as its new parent). */
function subtree(all: Department[], id: string): Set<string> {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of all) if (d.parentId && out.has(d.parentId) && !out.has(d.id)) { out.add(d.id); grew = true; }
  }
  return out;
}

export default function Departments() {
  const { t } = useTranslation();
  const [items, setItems] = useState<Department[]>([]);
  const [users, setUsers] = useState<AccessUser[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [form] = Form.useForm<{ name: string; parentId?: string; reason?: string }>();
  const [editing, setEditing] = useState<Department | null>(null);
  const [editForm] = Form.useForm<{ name: string; parentId?: string | null; headUserId?: string | null; reason?: string }>();
  const [confirming, setConfirming] = useState<ReasonRequest | null>(null);
  const load = useCallback(async () => {
    try {
      const [d, u] = await Promise.all([accessApi.departments(), accessApi.users()]);
      setItems(d.items);
      setUsers(u.items.filter((x) => x.status === 'active'));
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const run = async (fn: () => Promise<unknown>) => {
    try {
      setError(null);
      await fn();
      await load();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card title={t('access.departments.title')}>
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <Form form={form} layout="inline" style={{ marginBottom: 16 }} onFinish={(v) => run(async () => { await accessApi.createDepartment({ name: v.name, parentId: v.parentId ?? null, reason: v.reason || undefined }); form.resetFields(); })}>
        <Form.Item name="name" rules={[{ required: true, max: 100 }]}>
          <Input placeholder={t('access.departments.name')} data-testid="department-name" />
        </Form.Item>
        <Form.Item name="parentId">
          <Select allowClear style={{ width: 200 }} placeholder={t('access.departments.parent')} options={items.map((d) => ({ value: d.id, label: d.name }))} />
        </Form.Item>
        <Form.Item name="reason" rules={[{ max: 500 }]}>
          <Input style={{ width: 260 }} maxLength={500} placeholder={t('access.reason.label')} data-testid="department-reason" />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="department-add">{t('access.departments.add')}</Button>
      </Form>
      <Tree
        defaultExpandAll
        treeData={toTree(items, null, {
          headOf: (d) => (d.headUserId ? t('access.departments.headIs', { name: users.find((u) => u.id === d.headUserId)?.name ?? '—' }) : null),
          onDelete: (d) => setConfirming({ title: `${t('access.departments.delete')} · ${d.name}`, danger: true, run: (reason) => run(() => accessApi.deleteDepartment(d.id, reason)) }),
          onEdit: (d) => {
            setEditing(d);
            editForm.setFieldsValue({ name: d.name, parentId: d.parentId, headUserId: d.headUserId, reason: '' });
          },
          del: t('access.departments.delete'),
          edit: t('access.departments.edit'),
        })}
        key={items.map((d) => `${d.id}:${d.name}:${d.parentId ?? ''}:${d.headUserId ?? ''}`).join('|') + users.length}
      />
      <Modal
        open={!!editing}
        title={t('access.departments.editTitle')}
        okText={t('access.departments.save')}
        okButtonProps={{ ...testId('department-save') }}
        onCancel={() => setEditing(null)}
        onOk={() => editForm.submit()}
        destroyOnHidden
      >
        <Form
          form={editForm}
          layout="vertical"
          onFinish={(v) =>
            run(async () => {
              await accessApi.updateDepartment(editing!.id, { name: v.name, parentId: v.parentId ?? null, headUserId: v.headUserId ?? null, reason: v.reason || undefined });
              setEditing(null);
            })
          }
        >
          <Form.Item name="name" label={t('access.departments.name')} rules={[{ required: true, max: 100 }]}>
            <Input data-testid="department-edit-name" />
          </Form.Item>
          <Form.Item name="parentId" label={t('access.departments.parent')}>
            <Select
              allowClear
              placeholder={t('access.departments.none')}
              data-testid="department-edit-parent"
              options={items.filter((d) => !editing || !subtree(items, editing.id).has(d.id)).map((d) => ({ value: d.id, label: d.name }))}
            />
          </Form.Item>
          <Form.Item name="headUserId" label={t('access.departments.head')} extra={t('access.departments.headHint')}>
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              placeholder={t('access.departments.noHead')}
              data-testid="department-edit-head"
              options={users.map((u) => ({ value: u.id, label: `${u.name} <${u.email}>` }))}
            />
          </Form.Item>
          <ReasonField />
        </Form>
      </Modal>
      <ReasonModal request={confirming} onClose={() => setConfirming(null)} />
    </Card>
  );
}
