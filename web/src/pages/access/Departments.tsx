import { Button, Card, Form, Input, Popconfirm, Select, Space, Tree } from 'antd';
import type { DataNode } from 'antd/es/tree';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { accessApi, type Department } from './accessApi';

function toTree(all: Department[], parent: string | null, onDelete: (id: string) => void, del: string): DataNode[] {
  return all
    .filter((d) => d.parentId === parent)
    .map((d) => ({
      key: d.id,
      title: (
        <Space>
          {d.name} ({d.userCount})
          <Popconfirm title={del} onConfirm={() => onDelete(d.id)}>
            <a>{del}</a>
          </Popconfirm>
        </Space>
      ),
      children: toTree(all, d.id, onDelete, del),
    }));
}

export default function Departments() {
  const { t } = useTranslation();
  const [items, setItems] = useState<Department[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [form] = Form.useForm<{ name: string; parentId?: string }>();
  const load = useCallback(async () => {
    try {
      setItems((await accessApi.departments()).items);
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
      <Form form={form} layout="inline" style={{ marginBottom: 16 }} onFinish={(v) => run(async () => { await accessApi.createDepartment({ name: v.name, parentId: v.parentId ?? null }); form.resetFields(); })}>
        <Form.Item name="name" rules={[{ required: true, max: 100 }]}>
          <Input placeholder={t('access.departments.name')} data-testid="department-name" />
        </Form.Item>
        <Form.Item name="parentId">
          <Select allowClear style={{ width: 200 }} placeholder={t('access.departments.parent')} options={items.map((d) => ({ value: d.id, label: d.name }))} />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="department-add">{t('access.departments.add')}</Button>
      </Form>
      <Tree defaultExpandAll treeData={toTree(items, null, (id) => void run(() => accessApi.deleteDepartment(id)), t('access.departments.delete'))} key={items.length} />
    </Card>
  );
}
