import { Alert, Button, Card, Form, Input, InputNumber, Radio, Space, Table, Tag, Typography } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { useAuth } from '../../auth';
import ProblemAlert from '../../components/ProblemAlert';
import { showDate } from '../../format';
import TrainingGatesCard from './TrainingGatesCard';

interface Assignment {
  id: string;
  title: string;
  content: string;
  passScore: number;
  dueAt: string;
  completedAt: string | null;
  score: number | null;
  overdue: boolean;
  questions: Array<{ question: string; options: string[] }>;
}
interface Overdue {
  assignmentId: string;
  user: { email: string; name: string };
  course: string;
  dueAt: string;
  attempts: number;
}
interface CourseForm {
  title: string;
  content: string;
  passScore: number;
  questions: Array<{ question: string; options: string; answer: number }>;
}

/** My security training; tenant admins also create courses, assign them and see the overdue list. */
export default function TrainingPage() {
  const { t } = useTranslation();
  const { me } = useAuth();
  const isAdmin = !!me?.user.roles.includes('tenant_admin');
  const [mine, setMine] = useState<Assignment[]>([]);
  const [answers, setAnswers] = useState<Record<string, number[]>>({});
  const [results, setResults] = useState<Record<string, { score: number; passed: boolean }>>({});
  const [overdue, setOverdue] = useState<Overdue[]>([]);
  const [courses, setCourses] = useState<Array<{ id: string; title: string; assigned: number; completed: number }>>([]);
  const [error, setError] = useState<unknown>(null);
  const [gated, setGated] = useState<Array<{ permission: string; course: string }>>([]);
  const [form] = Form.useForm<CourseForm>();

  const load = useCallback(async () => {
    try {
      setMine((await api.get<{ items: Assignment[] }>('/security/training/mine')).items);
      // Permissions a training gate still withholds from me.
      setGated((await api.get<{ trainingRequired?: Array<{ permission: string; course: string }> }>('/access/me')).trainingRequired ?? []);
      if (isAdmin) {
        setOverdue((await api.get<{ items: Overdue[] }>('/security/training/overdue')).items);
        setCourses((await api.get<{ items: typeof courses }>('/security/training/courses')).items);
      }
    } catch (e) {
      setError(e);
    }
  }, [isAdmin]);
  useEffect(() => void load(), [load]);

  const submit = async (a: Assignment) => {
    try {
      const r = await api.post<{ score: number; passed: boolean }>(`/security/training/assignments/${a.id}/attempt`, { answers: answers[a.id] ?? [] });
      setResults({ ...results, [a.id]: r });
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const create = async (v: CourseForm) => {
    try {
      await api.post('/security/training/courses', {
        ...v,
        questions: v.questions.map((q) => ({ question: q.question, options: q.options.split('\n').map((o) => o.trim()).filter(Boolean), answer: Number(q.answer) - 1 })),
      });
      form.resetFields();
      await load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('security.training.title')}</Typography.Title>
      {error ? <ProblemAlert error={error} extraErrors={[]} onClose={() => setError(null)} /> : null}
      {gated.map((g) => (
        <Alert key={g.permission} type="warning" showIcon data-testid="training-required" message={t('security.ops.trainingRequired', { course: g.course, permission: t(`perms.${g.permission}`, { defaultValue: g.permission }) })} />
      ))}
      {mine.length === 0 ? <Typography.Text type="secondary">{t('security.training.none')}</Typography.Text> : null}
      {mine.map((a) => (
        <Card key={a.id} title={a.title} extra={a.completedAt ? <Tag color="green">{t('security.training.done', { score: a.score })}</Tag> : a.overdue ? <Tag color="red">{t('security.training.overdue')}</Tag> : <Tag>{t('security.training.due', { date: showDate(a.dueAt) })}</Tag>}>
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{a.content}</Typography.Paragraph>
          {!a.completedAt ? (
            <>
              {a.questions.map((q, i) => (
                <div key={i} style={{ marginBottom: 12 }}>
                  <Typography.Text strong>{`${i + 1}. ${q.question}`}</Typography.Text>
                  <Radio.Group
                    style={{ display: 'flex', flexDirection: 'column' }}
                    value={answers[a.id]?.[i]}
                    onChange={(e) => {
                      const next = [...(answers[a.id] ?? [])];
                      next[i] = e.target.value as number;
                      setAnswers({ ...answers, [a.id]: next });
                    }}
                    options={q.options.map((o, k) => ({ value: k, label: o }))}
                  />
                </div>
              ))}
              {results[a.id] && !results[a.id]!.passed ? <Alert type="warning" showIcon message={t('security.training.failed', { score: results[a.id]!.score, pass: a.passScore })} style={{ marginBottom: 12 }} /> : null}
              <Button type="primary" onClick={() => void submit(a)} data-testid="training-submit">
                {t('security.training.submit')}
              </Button>
            </>
          ) : null}
        </Card>
      ))}
      {isAdmin ? (
        <>
          <Card title={t('security.training.overdueList')}>
            <Table<Overdue>
              rowKey="assignmentId"
              dataSource={overdue}
              pagination={false}
              columns={[
                { title: t('security.audit.actor'), render: (_, o) => `${o.user.name} <${o.user.email}>` },
                { title: t('security.training.course'), dataIndex: 'course' },
                { title: t('security.training.dueAt'), dataIndex: 'dueAt', render: (v: string) => showDate(v) },
                { title: t('security.training.attempts'), dataIndex: 'attempts' },
              ]}
            />
          </Card>
          <Card title={t('security.training.courses')}>
            <Table rowKey="id" dataSource={courses} pagination={false} columns={[
              { title: t('security.training.course'), dataIndex: 'title' },
              { title: t('security.training.progress'), render: (_, c: { assigned: number; completed: number }) => `${c.completed} / ${c.assigned}` },
            ]} />
          </Card>
          <TrainingGatesCard courses={courses} />
          <Card title={t('security.training.create')}>
            <Form<CourseForm> form={form} layout="vertical" onFinish={(v) => void create(v)} initialValues={{ passScore: 80, questions: [{ question: '', options: '', answer: 1 }] }}>
              <Form.Item name="title" label={t('security.training.course')} rules={[{ required: true, message: t('security.training.course') }]}>
                <Input />
              </Form.Item>
              <Form.Item name="content" label={t('security.training.content')} rules={[{ required: true, message: t('security.training.content') }]}>
                <Input.TextArea rows={4} />
              </Form.Item>
              <Form.Item name="passScore" label={t('security.training.passScore')}>
                <InputNumber min={1} max={100} />
              </Form.Item>
              <Form.List name="questions">
                {(fields, { add, remove }) => (
                  <>
                    {fields.map((f) => (
                      <Space key={f.key} align="start" wrap>
                        <Form.Item name={[f.name, 'question']} rules={[{ required: true, message: t('security.training.question') }]}>
                          <Input placeholder={t('security.training.question')} style={{ width: 260 }} />
                        </Form.Item>
                        <Form.Item name={[f.name, 'options']} rules={[{ required: true, message: t('security.training.options') }]}>
                          <Input.TextArea placeholder={t('security.training.options')} rows={2} style={{ width: 260 }} />
                        </Form.Item>
                        <Form.Item name={[f.name, 'answer']} label={t('security.training.answer')}>
                          <InputNumber min={1} max={8} />
                        </Form.Item>
                        <MinusCircleOutlined onClick={() => remove(f.name)} />
                      </Space>
                    ))}
                    <Button type="dashed" onClick={() => add({ question: '', options: '', answer: 1 })} icon={<PlusOutlined />}>
                      {t('security.training.addQuestion')}
                    </Button>
                  </>
                )}
              </Form.List>
              <div style={{ marginTop: 16 }}>
                <Button type="primary" htmlType="submit">{t('security.training.create')}</Button>
              </div>
            </Form>
          </Card>
        </>
      ) : null}
    </Space>
  );
}
