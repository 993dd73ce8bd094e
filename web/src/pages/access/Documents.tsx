import { Button, Card, Form, Input, Modal, Select, Space, Table, Tag, Typography, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import ProblemAlert from '../../components/ProblemAlert';
import { useFormat } from '../../format';
import { testId } from '../../testid';
import { LEVELS, accessApi, type DocumentItem } from './accessApi';

/**
 * Classified documents (the stand-in for contracts): list, view, download as text, create. The create button
 * appears only for holders of contracts.create; the API refuses everyone else (403) whatever the page shows.
 */
export default function Documents() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [items, setItems] = useState<DocumentItem[]>([]);
  const [total, setTotal] = useState(0);
  const [q, setQ] = useState('');
  const [perms, setPerms] = useState<string[]>([]);
  const [clearance, setClearance] = useState('public');
  const [error, setError] = useState<unknown>(null);
  const [viewing, setViewing] = useState<DocumentItem | null>(null);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<{ title: string; level: string; body: string }>();

  const load = useCallback(async (query: string) => {
    try {
      const [list, me] = await Promise.all([accessApi.documents(query || undefined), accessApi.me()]);
      setItems(list.items);
      setTotal(list.total);
      setPerms(me.permissions);
      setClearance(me.clearance);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load('');
  }, [load]);

  const canCreate = perms.includes('contracts.create');
  const canDownload = perms.includes('contracts.download');
  const open = async (id: string) => {
    try {
      setViewing(await accessApi.document(id));
    } catch (e) {
      setError(e);
    }
  };
  const create = async (v: { title: string; level: string; body: string }) => {
    try {
      await accessApi.createDocument({ title: v.title, level: v.level, body: v.body ?? '' });
      message.success(t('access.documents.created'));
      setCreating(false);
      form.resetFields();
      await load(q);
    } catch (e) {
      setError(e);
      setCreating(false);
    }
  };
  const allowedLevels = LEVELS.slice(0, LEVELS.indexOf(clearance as (typeof LEVELS)[number]) + 1);

  return (
    <Card
      title={t('access.documents.title')}
      extra={
        <Space>
          <Input.Search allowClear placeholder={t('access.documents.search')} onSearch={(v) => { setQ(v); void load(v); }} style={{ width: 220 }} data-testid="document-search" />
          {canCreate && (
            <Button type="primary" data-testid="document-create" onClick={() => setCreating(true)}>
              {t('access.documents.create')}
            </Button>
          )}
        </Space>
      }
    >
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <Typography.Paragraph type="secondary">{t('access.documents.total', { n: total })}</Typography.Paragraph>
      <Table<DocumentItem>
        rowKey="id"
        dataSource={items}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        onRow={() => testId('document-row')}
        columns={[
          { title: t('access.documents.docTitle'), dataIndex: 'title' },
          { title: t('access.documents.level'), render: (_, d) => <Tag>{t(`access.level.${d.level}`)}</Tag> },
          { title: t('access.documents.createdAt'), render: (_, d) => fmt.dateTime(d.createdAt) },
          {
            title: '',
            render: (_, d) => (
              <Space>
                <Button size="small" data-testid="document-view" onClick={() => void open(d.id)}>{t('access.documents.view')}</Button>
                {canDownload && (
                  <Button size="small" data-testid="document-download" href={accessApi.documentDownloadUrl(d.id)} download>
                    {t('access.documents.download')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      <Modal open={!!viewing} title={viewing?.title} footer={null} onCancel={() => setViewing(null)} destroyOnHidden>
        {viewing && (
          <>
            <Tag>{t(`access.level.${viewing.level}`)}</Tag>
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginTop: 12 }} data-testid="document-body">{viewing.body}</Typography.Paragraph>
          </>
        )}
      </Modal>
      <Modal open={creating} title={t('access.documents.create')} onCancel={() => setCreating(false)} onOk={() => form.submit()} okButtonProps={{ ...testId('document-submit') }} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={create} initialValues={{ level: 'internal', body: '' }}>
          <Form.Item name="title" label={t('access.documents.docTitle')} rules={[{ required: true, max: 200 }]}>
            <Input data-testid="document-title" />
          </Form.Item>
          <Form.Item name="level" label={t('access.documents.level')} rules={[{ required: true }]}>
            <Select options={allowedLevels.map((l) => ({ value: l, label: t(`access.level.${l}`) }))} />
          </Form.Item>
          <Form.Item name="body" label={t('access.documents.body')}>
            <Input.TextArea rows={6} data-testid="document-text" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
