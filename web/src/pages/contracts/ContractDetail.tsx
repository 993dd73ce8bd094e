import { showDateTime } from '../../format';
import { useCallback, useEffect, useState } from 'react';
import { App, Button, Card, DatePicker, Descriptions, Empty, Input, Popconfirm, Select, Space, Table, Tabs, Tag, Timeline, Typography, message } from 'antd';
import { useTranslation } from 'react-i18next';
import { usePermissions } from './usePermissions';
import { useNavigate, useParams } from 'react-router-dom';
import ProblemAlert from '../../components/ProblemAlert';
import { useAuth } from '../../auth';
import PasskeySign from './PasskeySign';
import { contractsApi, STATUS_COLORS, yuan, type ContractDetail as Detail, type DiffPart } from './contractsApi';
import { DeclineButton, SignerHistory, signingFlowApi, type SignerHistoryRow } from './SigningFlow';
import { ARCHIVABLE, ChangeWarning, confirmChange, DRAFTING, EDITABLE, LifecycleNotice, lifecycleApi } from './Lifecycle';
import { CustomFieldsView, FollowButton, MetaChangesTable, MetadataEditor, PeoplePicker, TerminateButton } from './ux/MetadataEditor';
import { uxApi, type FieldDefinition, type MetaChange } from './ux/uxApi';

interface SignerDraft {
  kind: 'internal' | 'counterparty';
  step: number;
  userId?: string;
  name?: string;
  email?: string;
  partyName?: string;
}

function DiffView({ parts }: { parts: DiffPart[] }) {
  return (
    <pre style={{ whiteSpace: 'pre-wrap', fontFamily: 'inherit' }} data-testid="version-diff">
      {parts.map((p, i) =>
        p.op === 'equal' ? (
          <span key={i}>{p.text}</span>
        ) : p.op === 'insert' ? (
          <ins key={i} style={{ background: '#d9f7be', textDecoration: 'none' }}>{p.text}</ins>
        ) : (
          <del key={i} style={{ background: '#ffccc7' }}>{p.text}</del>
        ),
      )}
    </pre>
  );
}

export default function ContractDetail() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const { me } = useAuth();
  const perms = usePermissions();
  const navigate = useNavigate();
  const { message: toast } = App.useApp();
  const [c, setC] = useState<Detail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [versions, setVersions] = useState<Array<{ version: number; note: string | null; author: string | null; created_at: string }>>([]);
  const [diff, setDiff] = useState<DiffPart[] | null>(null);
  const [metaDiff, setMetaDiff] = useState<MetaChange[] | null | undefined>(undefined);
  const [defs, setDefs] = useState<FieldDefinition[]>([]);
  const [audit, setAudit] = useState<Array<{ occurred_at: string; action: string; actor_label: string | null; actor_kind: string; ip: string | null; outcome: string }>>([]);
  const [comment, setComment] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [signers, setSigners] = useState<SignerDraft[]>([]);
  const [deadline, setDeadline] = useState<string | undefined>();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const d = await contractsApi.get(id);
      setC(d);
      setSigners(d.signers.map((s) => ({ kind: s.kind, step: s.step, userId: s.userId ?? undefined, name: s.name, email: s.email, partyName: s.partyName ?? undefined })));
      setVersions(await contractsApi.versions(id));
      setDefs(await uxApi.fields().catch(() => []));
      setAudit(await contractsApi.audit(id));
    } catch (e) {
      setError(e);
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      await load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  /** contracts.delete_draft: gone for good, so go back to the list instead of reloading. */
  const deleteDraft = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await contractsApi.deleteDraft(id);
      void toast.success(t('contracts.detail.deleted', { number: r.number }));
      navigate('/tenant/contracts');
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  if (!c) return <Card loading={!error}><ProblemAlert error={error} /></Card>;
  const mySigner = c.signers.find((s) => s.userId === me?.user.id && s.status === 'pending');
  const ux = c as Detail & { departmentId?: string | null; customFields?: Record<string, unknown>; following?: boolean; followers?: Array<{ name: string }> };

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Card
        title={
          <Space>
            <span>{c.number}</span>
            <span>{c.title}</span>
            <Tag color={STATUS_COLORS[c.status]} data-testid="contract-status">{t(`contracts.status.${c.status}`)}</Tag>
          </Space>
        }
        extra={
          <Space wrap>
            <FollowButton contractId={id} following={!!ux.following} followers={ux.followers ?? []} onChange={() => void load()} />
            {EDITABLE.includes(c.status) && perms.has('contracts.edit') && <MetadataEditor c={ux} defs={defs} onSaved={() => void load()} />}
            {c.status === 'signed' && perms.has('contracts.edit') && <TerminateButton onConfirm={() => act(() => uxApi.terminate(id))} />}
            {DRAFTING.includes(c.status) && perms.has('contracts.submit') && (
              <Button type="primary" data-testid="submit-approval" loading={busy} onClick={() => act(() => contractsApi.submit(id))}>
                {t('contracts.detail.submit')}
              </Button>
            )}
            {c.status === 'signed' && perms.has('contracts.edit') && (
              <Button data-testid="terminate-button" loading={busy} onClick={() => act(() => lifecycleApi.terminate(id))}>
                {t('contracts.lifecycle.terminate')}
              </Button>
            )}
            {ARCHIVABLE.includes(c.status) && perms.has('contracts.archive') && (
              <Button data-testid="archive-button" loading={busy} onClick={() => act(() => contractsApi.archive(id))}>
                {t('contracts.detail.archive')}
              </Button>
            )}
            {c.seal && perms.has('contracts.download') && (
              <Button type="primary" data-testid="download-sealed" href={`/api/v1/contracts/${id}/sealed.pdf`}>
                {t('contracts.detail.downloadSealed')}
              </Button>
            )}
            {['draft', 'returned'].includes(c.status) && perms.has('contracts.delete_draft') && (
              <Popconfirm
                title={t('contracts.detail.deleteDraft')}
                description={<div style={{ maxWidth: 320 }}>{t('contracts.detail.deleteConfirm')}</div>}
                okText={t('contracts.detail.deleteDraft')}
                okButtonProps={{ danger: true, id: 'delete-draft-confirm' }}
                onConfirm={deleteDraft}
              >
                <Button danger data-testid="delete-draft" loading={busy}>
                  {t('contracts.detail.deleteDraft')}
                </Button>
              </Popconfirm>
            )}
            {['draft', 'returned', 'in_approval', 'approved', 'signing'].includes(c.status) && perms.has('contracts.edit') && (
              <Button danger loading={busy} onClick={() => act(() => contractsApi.withdraw(id))}>
                {t('contracts.detail.withdraw')}
              </Button>
            )}
          </Space>
        }
      >
        <ProblemAlert error={error} onClose={() => setError(null)} />
        <LifecycleNotice c={c as Detail & { signerHistory?: SignerHistoryRow[] }} />
        <Descriptions
          size="small"
          column={3}
          items={[
            { key: 'type', label: t('contracts.fields.type'), children: c.type },
            { key: 'amount', label: t('contracts.fields.amount'), children: yuan(c.amountFen) },
            { key: 'sens', label: t('contracts.fields.sensitivity'), children: t(`contracts.sensitivity.${c.sensitivity}`) },
            { key: 'party', label: t('contracts.fields.counterparty'), children: c.counterparties.map((p) => `${p.name}（${p.uscc}）`).join('；') },
            { key: 'start', label: t('contracts.fields.startDate'), children: c.startDate ?? '—' },
            { key: 'end', label: t('contracts.fields.endDate'), children: c.endDate ?? '—' },
            { key: 'signing', label: t('contracts.fields.signingDate'), children: c.signingDate ?? '—' },
            { key: 'renew', label: t('contracts.fields.autoRenew'), children: c.autoRenew ? t('contractsUx.meta.yes') : t('contractsUx.meta.no') },
            { key: 'tags', label: t('contracts.fields.tags'), children: c.tags.join('、') || '—' },
            ...(c.archiveNumber
              ? [
                  ...(c.archivedFrom ? [{ key: 'archFrom', label: t('contracts.fields.status'), children: t('contracts.lifecycle.archivedFrom', { status: t(`contracts.status.${c.archivedFrom}`) }) }] : []),
                  { key: 'arch', label: t('contracts.fields.archiveNumber'), children: c.archiveNumber },
                  { key: 'ret', label: t('contracts.fields.retentionUntil'), children: c.retentionUntil },
                ]
              : []),
          ]}
        />
        <CustomFieldsView defs={defs} values={ux.customFields} />
        {c.seal && (
          <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
            {t('contracts.detail.sealed', { orig: c.seal.originalSha256.slice(0, 16) + '…', sealed: c.seal.sealedSha256.slice(0, 16) + '…' })}
          </Typography.Paragraph>
        )}
      </Card>

      <Card>
        <Tabs
          items={[
            {
              key: 'body',
              label: t('contracts.detail.body'),
              children:
                editing === null ? (
                  <>
                    {EDITABLE.includes(c.status) && perms.has('contracts.edit') && (
                      <Button style={{ marginBottom: 8 }} onClick={() => setEditing(c.body)}>
                        {t('contracts.detail.edit')}
                      </Button>
                    )}
                    <pre style={{ whiteSpace: 'pre-wrap', fontFamily: 'inherit' }} data-testid="contract-body">{c.body}</pre>
                  </>
                ) : (
                  <Space orientation="vertical" style={{ width: '100%' }}>
                    <ChangeWarning status={c.status} />
                    <Input.TextArea rows={20} value={editing} data-testid="body-editor" onChange={(e) => setEditing(e.target.value)} />
                    <Button type="primary" data-testid="save-version" loading={busy} onClick={() => confirmChange(c.status, t, () => void act(async () => { await contractsApi.update(id, { body: editing }); setEditing(null); }))}>
                      {t('contracts.detail.saveVersion')}
                    </Button>
                  </Space>
                ),
            },
            {
              key: 'versions',
              label: t('contracts.detail.versions'),
              children: (
                <>
                  <Table
                    rowKey="version"
                    size="small"
                    pagination={false}
                    dataSource={versions}
                    columns={[
                      { title: 'v', dataIndex: 'version' },
                      { title: '', dataIndex: 'author' },
                      { title: '', dataIndex: 'note' },
                      { title: '', dataIndex: 'created_at', render: (v: string) => showDateTime(v) },
                      {
                        title: '',
                        render: (_, r) =>
                          r.version > 1 ? (
                            <Button size="small" data-testid={`diff-${r.version}`} onClick={() => act(async () => { const d = await uxApi.diff(id, r.version - 1, r.version); setDiff(d.parts); setMetaDiff(d.metadata); })}>
                              {t('contracts.detail.diff')}
                            </Button>
                          ) : null,
                      },
                    ]}
                  />
                  {metaDiff !== undefined && <MetaChangesTable changes={metaDiff} defs={defs} />}
                  {diff && <DiffView parts={diff} />}
                </>
              ),
            },
            {
              key: 'attachments',
              label: t('contracts.detail.attachments'),
              children: (
                <>
                  <ChangeWarning status={c.status} />
                  {perms.has('contracts.edit') && EDITABLE.includes(c.status) && <input
                    type="file"
                    data-testid="attachment-upload"
                    accept=".pdf,.docx,.xlsx,.png,.jpg,.jpeg"
                    onChange={(e) => {
                      const f = e.target.files?.[0];
                      e.target.value = '';
                      if (f) confirmChange(c.status, t, () => void act(() => contractsApi.upload(id, f)));
                    }}
                  />}
                  <Table
                    rowKey="id"
                    size="small"
                    pagination={false}
                    dataSource={c.attachments}
                    columns={[
                      { title: '', dataIndex: 'filename', render: (v: string, r) => <a href={`/api/v1/contracts/${id}/attachments/${r.id}`} data-testid="attachment-download">{v}</a> },
                      { title: '', dataIndex: 'mime' },
                      { title: '', dataIndex: 'size_bytes' },
                      { title: '', dataIndex: 'kind' },
                      { title: 'SHA-256', dataIndex: 'sha256', render: (v: string) => <Typography.Text code copyable={{ text: v }}>{v.slice(0, 12)}…</Typography.Text> },
                      {
                        title: '',
                        render: (_, r) =>
                          r.kind === 'attachment' && perms.has('contracts.edit') && EDITABLE.includes(c.status) ? (
                            <Button size="small" danger data-testid="attachment-remove" onClick={() => confirmChange(c.status, t, () => void act(() => lifecycleApi.removeAttachment(id, r.id)))}>
                              {t('contracts.lifecycle.removeAttachment')}
                            </Button>
                          ) : null,
                      },
                    ]}
                  />
                </>
              ),
            },
            {
              key: 'approval',
              label: t('contracts.detail.approval'),
              children: !c.approval ? (
                <Empty description={t('contracts.detail.noApproval')} />
              ) : (
                <Space orientation="vertical" style={{ width: '100%' }}>
                  <Timeline
                    items={c.approval.steps.map((s, i) => ({
                      color: i < c.approval!.current_step || c.approval!.status === 'approved' ? 'green' : i === c.approval!.current_step ? 'blue' : 'gray',
                      children: `${t('contracts.detail.step', { n: i + 1 })} · ${s.name} (${s.mode})`,
                    }))}
                  />
                  {c.approval.decisions.map((d, i) => (
                    <Typography.Text key={i}>
                      {d.name} · {d.decision} · {d.comment ?? ''} · {showDateTime(d.at)}
                    </Typography.Text>
                  ))}
                  {c.approval.myTurn && c.status === 'in_approval' && (
                    <Space orientation="vertical" style={{ width: '100%' }}>
                      <Typography.Text strong>{t('contracts.detail.myTurn')}</Typography.Text>
                      <Input.TextArea rows={2} placeholder={t('contracts.detail.comment')} value={comment} onChange={(e) => setComment(e.target.value)} />
                      <Space>
                        <Button type="primary" data-testid="approve-button" loading={busy} onClick={() => act(() => contractsApi.decide(id, 'approve', comment))}>
                          {t('contracts.detail.approve')}
                        </Button>
                        <Button loading={busy} onClick={() => act(() => contractsApi.decide(id, 'return', comment))}>{t('contracts.detail.return')}</Button>
                        <Button danger loading={busy} onClick={() => act(() => contractsApi.decide(id, 'reject', comment))}>{t('contracts.detail.reject')}</Button>
                      </Space>
                    </Space>
                  )}
                </Space>
              ),
            },
            {
              key: 'signers',
              label: t('contracts.detail.signers'),
              children: (
                <Space orientation="vertical" style={{ width: '100%' }}>
                  {signers.map((s, i) => (
                    <Space key={i} wrap>
                      <Select value={s.step} style={{ width: 90 }} options={[1, 2, 3, 4].map((n) => ({ value: n, label: t('contracts.detail.step', { n }) }))}
                        onChange={(step: number) => setSigners((all) => all.map((x, j) => (j === i ? { ...x, step } : x)))} />
                      <Select data-testid={`signer-kind-${i}`} value={s.kind} style={{ width: 200 }} options={[{ value: 'internal', label: t('contracts.detail.internal') }, { value: 'counterparty', label: t('contracts.detail.counterparty') }]}
                        onChange={(kind: 'internal' | 'counterparty') => setSigners((all) => all.map((x, j) => (j === i ? { ...x, kind } : x)))} />
                      {s.kind === 'internal' ? (
                        <PeoplePicker testId={`signer-user-${i}`} need="sign" value={s.userId} onChange={(userId) => setSigners((all) => all.map((x, j) => (j === i ? { ...x, userId } : x)))} />
                      ) : (
                        <>
                          <Input data-testid={`signer-name-${i}`} placeholder={t('contracts.detail.signerName')} style={{ width: 120 }} value={s.name} onChange={(e) => setSigners((all) => all.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))} />
                          <Input data-testid={`signer-email-${i}`} placeholder={t('contracts.detail.signerEmail')} style={{ width: 220 }} value={s.email} onChange={(e) => setSigners((all) => all.map((x, j) => (j === i ? { ...x, email: e.target.value } : x)))} />
                          <Input data-testid={`signer-party-${i}`} placeholder={t('contracts.detail.partyName')} style={{ width: 220 }} value={s.partyName} onChange={(e) => setSigners((all) => all.map((x, j) => (j === i ? { ...x, partyName: e.target.value } : x)))} />
                        </>
                      )}
                      {c.signers[i] && <Tag color={c.signers[i]!.status === 'signed' ? 'success' : 'default'}>{c.signers[i]!.status}</Tag>}
                      {c.signers[i]?.method && <Tag data-testid={`signer-method-${i}`}>{t(`contracts.passkey.method.${c.signers[i]!.method}`, { defaultValue: c.signers[i]!.method })}</Tag>}
                    </Space>
                  ))}
                  {['draft', 'returned', 'in_approval', 'approved'].includes(c.status) && (
                    <Space>
                      <Button data-testid="add-signer" onClick={() => setSigners((all) => [...all, { kind: 'counterparty', step: (all.at(-1)?.step ?? 0) + 1 }])}>
                        {t('contracts.detail.addSigner')}
                      </Button>
                      <Button data-testid="save-signers" loading={busy} onClick={() => act(() => contractsApi.setSigners(id, signers.map((s) => (s.kind === 'internal' ? { kind: s.kind, step: s.step, userId: s.userId } : { kind: s.kind, step: s.step, name: s.name, email: s.email, partyName: s.partyName })))).then(() => message.success(t('contracts.create.saved')))}>
                        {t('contracts.detail.saveSigners')}
                      </Button>
                    </Space>
                  )}
                  {c.status === 'approved' && (
                    <Space>
                      <DatePicker data-testid="signing-deadline" placeholder={t('contracts.detail.deadline')} onChange={(d) => setDeadline(d ? d.format('YYYY-MM-DD') : undefined)} />
                      <Button type="primary" data-testid="start-signing" disabled={!deadline} loading={busy} onClick={() => act(() => contractsApi.startSigning(id, deadline!))}>
                        {t('contracts.detail.startSigning')}
                      </Button>
                    </Space>
                  )}
                  {c.status === 'signing' && mySigner && (
                    <Space>
                      <PasskeySign contractId={id} busy={busy} act={act} />
                      <Button data-testid="request-code" loading={busy} onClick={() => act(() => contractsApi.requestCode(id))}>{t('contracts.detail.requestCode')}</Button>
                      <Input data-testid="sign-code" maxLength={6} style={{ width: 140 }} placeholder={t('contracts.detail.code')} value={code} onChange={(e) => setCode(e.target.value)} />
                      <Button type="primary" data-testid="sign-button" loading={busy} onClick={() => act(() => contractsApi.sign(id, code))}>{t('contracts.detail.sign')}</Button>
                      <DeclineButton onDecline={(reason) => signingFlowApi.decline(id, reason)} onDone={() => void load()} />
                    </Space>
                  )}
                  <SignerHistory rows={(c as Detail & { signerHistory?: SignerHistoryRow[] }).signerHistory} />
                </Space>
              ),
            },
            {
              key: 'audit',
              label: t('contracts.detail.audit'),
              children: (
                <Table
                  rowKey={(r) => `${r.occurred_at}-${r.action}`}
                  size="small"
                  dataSource={audit}
                  columns={[
                    { title: '', dataIndex: 'occurred_at', render: (v: string) => showDateTime(v) },
                    { title: '', dataIndex: 'action' },
                    { title: '', render: (_, r) => r.actor_label ?? r.actor_kind },
                    { title: 'IP', dataIndex: 'ip' },
                    { title: '', dataIndex: 'outcome' },
                  ]}
                />
              ),
            },
          ]}
        />
      </Card>
    </Space>
  );
}
