import {
  Alert,
  App,
  Breadcrumb,
  Button,
  Card,
  Checkbox,
  Col,
  Descriptions,
  Empty,
  Form,
  Input,
  Modal,
  Row,
  Space,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import {
  CheckCircleOutlined,
  CloseCircleOutlined,
  ExportOutlined,
  ReloadOutlined,
  WarningOutlined,
} from '@ant-design/icons';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { ApiError, applyFieldErrors, type ProblemFieldError } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';
import { PageSpinner } from '../../components/RequireAuth';
import StatusTag from '../../components/StatusTag';
import { useFormat } from '../../format';
import { testId } from '../../testid';
import { REJECTION_REASONS, type FieldChange, type RegistrationDetail as Detail } from '../../types';
import { platformApi } from './platformApi';

function CheckTag({ ok, children, testid }: { ok: boolean; children: ReactNode; testid: string }) {
  return (
    <Tag
      color={ok ? 'success' : 'error'}
      icon={ok ? <CheckCircleOutlined /> : <CloseCircleOutlined />}
      data-testid={testid}
      data-ok={ok ? 'true' : 'false'}
      style={{ marginBottom: 8, whiteSpace: 'normal' }}
    >
      {children}
    </Tag>
  );
}

interface RejectValues {
  reasons: string[];
  comment: string;
}

export default function RegistrationDetail() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const fmt = useFormat();
  const [detail, setDetail] = useState<Detail | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [approveOpen, setApproveOpen] = useState(false);
  const [approveComment, setApproveComment] = useState('');
  const [rejectOpen, setRejectOpen] = useState(false);
  const [acting, setActing] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [actionExtra, setActionExtra] = useState<ProblemFieldError[] | undefined>(undefined);
  const [rejectForm] = Form.useForm<RejectValues>();

  const load = useCallback(async () => {
    setError(null);
    try {
      setDetail(await platformApi.detail(id));
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [id]);

  useEffect(() => {
    setLoading(true);
    void load();
  }, [load]);

  const fieldLabel = (field: string) => (i18n.exists(`fields.${field}`) ? t(`fields.${field}`) : field);
  const reasonLabel = (code: string) => (i18n.exists(`reasons.${code}`) ? t(`reasons.${code}`) : code);
  const renderValue = (value: unknown): string => {
    if (value === null || value === undefined || value === '') return t('review.emptyValue');
    if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    if (typeof value === 'object' && value && 'fileName' in value) return String((value as { fileName: unknown }).fileName);
    return JSON.stringify(value);
  };

  const closeModals = () => {
    setApproveOpen(false);
    setRejectOpen(false);
    setActionError(null);
    setActionExtra(undefined);
  };

  const approve = async () => {
    setActing(true);
    setActionError(null);
    try {
      const result = await platformApi.approve(id, approveComment.trim() || undefined);
      message.success(t('review.approvedMessage', { name: result.tenant.name }));
      setApproveComment('');
      closeModals();
      await load();
    } catch (e) {
      setActionError(e);
      if (e instanceof ApiError && e.status === 409) void load();
    } finally {
      setActing(false);
    }
  };

  const reject = async () => {
    let values: RejectValues;
    try {
      values = await rejectForm.validateFields();
    } catch {
      return;
    }
    setActing(true);
    setActionError(null);
    try {
      await platformApi.reject(id, values.reasons, values.comment.trim());
      message.success(t('review.rejectedMessage'));
      rejectForm.resetFields();
      closeModals();
      await load();
    } catch (e) {
      setActionExtra(applyFieldErrors(rejectForm, e, ['reasons', 'comment']));
      setActionError(e);
      if (e instanceof ApiError && e.status === 409) void load();
    } finally {
      setActing(false);
    }
  };

  if (loading) return <PageSpinner />;
  if (!detail) {
    return (
      <Card>
        <ProblemAlert error={error} />
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void load()}>
            {t('common.retry')}
          </Button>
          <Link to="/platform/registrations">{t('review.backToQueue')}</Link>
        </Space>
      </Card>
    );
  }

  const { registration: r, checks, versions, decisions } = detail;
  const unsubmitted = detail.unsubmittedChanges ?? [];
  const licenseUrl = platformApi.licenseUrl(r.id);
  const licenseMime = checks.licenseType || r.license?.mimeType || '';
  const isPdf = licenseMime === 'application/pdf';
  const isImage = licenseMime.startsWith('image/');
  const canDecide = r.status === 'submitted';
  const show = (v: string | null | undefined) => v || '—';

  const changeLine = (c: FieldChange, i: number) => (
    <li key={`${c.field}-${i}`} data-testid={`change-${c.field}`}>
      <Typography.Text strong>{fieldLabel(c.field)}</Typography.Text>
      {': '}
      <Typography.Text delete type="secondary">
        {renderValue(c.before)}
      </Typography.Text>
      {' → '}
      <Typography.Text mark>{renderValue(c.after)}</Typography.Text>
    </li>
  );

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="registration-detail">
      <Breadcrumb
        items={[
          { title: <Link to="/platform/registrations">{t('nav.registrations')}</Link> },
          { title: r.companyName || t('common.unnamed') },
        ]}
      />
      <Card>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', flexWrap: 'wrap', gap: 12 }}>
          <Space wrap>
            <Typography.Title level={3} style={{ margin: 0 }} data-testid="detail-company-name">
              {r.companyName || t('common.unnamed')}
            </Typography.Title>
            <StatusTag status={r.status} />
            <Tag>{t('review.versionShort', { version: r.version })}</Tag>
          </Space>
          <Space>
            <Button icon={<ReloadOutlined />} onClick={() => void load()}>
              {t('common.refresh')}
            </Button>
            {canDecide && (
              <>
                <Button danger onClick={() => setRejectOpen(true)} data-testid="reject-button">
                  {t('review.reject')}
                </Button>
                <Button type="primary" onClick={() => setApproveOpen(true)} data-testid="approve-button">
                  {t('review.approve')}
                </Button>
              </>
            )}
          </Space>
        </div>
        <Typography.Text type="secondary">
          {t('review.submittedLine', { time: fmt.dateTime(r.submittedAt) })}
          {r.decidedAt ? ` · ${t('review.decidedLine', { time: fmt.dateTime(r.decidedAt) })}` : ''}
        </Typography.Text>
        {error ? (
          <div style={{ marginTop: 12 }}>
            <ProblemAlert error={error} onClose={() => setError(null)} />
          </div>
        ) : null}
      </Card>

      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            <Card title={t('review.company')}>
              <Descriptions
                column={1}
                size="small"
                items={[
                  { key: 'companyName', label: t('fields.companyName'), children: show(r.companyName) },
                  {
                    key: 'uscc',
                    label: t('fields.uscc'),
                    children: <Typography.Text code copyable={!!r.uscc}>{show(r.uscc)}</Typography.Text>,
                  },
                  { key: 'registeredAddress', label: t('fields.registeredAddress'), children: show(r.registeredAddress) },
                  { key: 'legalRepresentative', label: t('fields.legalRepresentative'), children: show(r.legalRepresentative) },
                ]}
              />
            </Card>
            <Card title={t('review.contact')}>
              <Descriptions
                column={1}
                size="small"
                items={[
                  { key: 'contactName', label: t('fields.contactName'), children: show(r.contactName) },
                  { key: 'contactMobile', label: t('fields.contactMobile'), children: show(r.contactMobile) },
                  {
                    key: 'contactEmail',
                    label: t('fields.contactEmail'),
                    children: (
                      <Space>
                        {show(r.contactEmail)}
                        {r.emailVerified ? (
                          <Tag color="success">{t('register.contact.verifiedTag')}</Tag>
                        ) : (
                          <Tag color="error">{t('register.contact.notVerifiedTag')}</Tag>
                        )}
                      </Space>
                    ),
                  },
                  { key: 'consentVersion', label: t('fields.consentVersion'), children: show(r.consentVersion) },
                  { key: 'createdAt', label: t('fields.createdAt'), children: fmt.dateTime(r.createdAt) },
                ]}
              />
            </Card>
            <Card
              title={t('review.license')}
              extra={
                r.license ? (
                  <a href={licenseUrl} target="_blank" rel="noopener noreferrer" data-testid="license-open">
                    <ExportOutlined /> {t('review.openLicense')}
                  </a>
                ) : null
              }
            >
              {r.license ? (
                <>
                  <Typography.Paragraph type="secondary">
                    {t('register.license.fileMeta', {
                      type: t(`mime.${r.license.mimeType.replace('/', '_')}`, { defaultValue: r.license.mimeType }),
                      size: fmt.fileSize(r.license.size),
                      time: fmt.dateTime(r.license.uploadedAt),
                    })}{' '}
                    · {r.license.fileName}
                  </Typography.Paragraph>
                  {isPdf ? (
                    <iframe
                      src={licenseUrl}
                      title={t('review.license')}
                      data-testid="license-preview"
                      style={{ width: '100%', height: 600, border: '1px solid #f0f0f0', borderRadius: 8 }}
                    />
                  ) : isImage ? (
                    <img
                      src={licenseUrl}
                      alt={t('review.license')}
                      data-testid="license-preview"
                      style={{ maxWidth: '100%', border: '1px solid #f0f0f0', borderRadius: 8 }}
                    />
                  ) : (
                    <Alert type="warning" showIcon title={t('review.licenseNoPreview')} />
                  )}
                </>
              ) : (
                <Empty description={t('register.license.none')} />
              )}
            </Card>
          </Space>
        </Col>
        <Col xs={24} xl={10}>
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            <Card title={t('review.checks')} data-testid="checks">
              <Space wrap size={[0, 0]}>
                <CheckTag ok={checks.usccValid} testid="check-uscc">
                  {checks.usccValid ? t('checks.usccValid') : t('checks.usccInvalid')}
                </CheckTag>
                <CheckTag ok={checks.emailVerified} testid="check-email">
                  {checks.emailVerified ? t('checks.emailVerified') : t('checks.emailNotVerified')}
                </CheckTag>
                <CheckTag ok={checks.licensePresent && checks.licenseTypeAllowed} testid="check-license">
                  {!checks.licensePresent
                    ? t('checks.licenseMissing')
                    : checks.licenseTypeAllowed
                      ? t('checks.licenseType', { type: checks.licenseType ?? '—' })
                      : t('checks.licenseTypeNotAllowed', { type: checks.licenseType ?? t('checks.unknownType') })}
                </CheckTag>
                <CheckTag ok={(checks.emailDuplicates ?? []).length === 0} testid="check-email-duplicates">
                  {(checks.emailDuplicates ?? []).length === 0
                    ? t('checks.noEmailDuplicates')
                    : t('checks.emailDuplicates', { count: (checks.emailDuplicates ?? []).length })}
                </CheckTag>
                <CheckTag ok={checks.duplicates.length === 0} testid="check-duplicates">
                  {checks.duplicates.length === 0
                    ? t('checks.noDuplicates')
                    : t('checks.duplicates', { count: checks.duplicates.length })}
                </CheckTag>
              </Space>
              {checks.duplicates.length > 0 && (
                <ul style={{ margin: '8px 0 0', paddingInlineStart: 20 }} data-testid="duplicates">
                  {checks.duplicates.map((d) => (
                    <li key={`${d.kind}-${d.id}`}>
                      <WarningOutlined style={{ color: '#faad14' }} /> {t(`checks.dupKind.${d.kind}`)}:{' '}
                      {d.kind === 'registration' ? (
                        <Link to={`/platform/registrations/${encodeURIComponent(d.id)}`}>{d.companyName || d.id}</Link>
                      ) : (
                        d.companyName || d.id
                      )}{' '}
                      {d.kind === 'registration' ? (
                        <StatusTag status={d.status} />
                      ) : (
                        <Tag>{t(`tenantStatus.${d.status}`, { defaultValue: d.status })}</Tag>
                      )}
                    </li>
                  ))}
                </ul>
              )}
              {(checks.emailDuplicates ?? []).length > 0 && (
                <ul style={{ margin: '8px 0 0', paddingInlineStart: 20 }} data-testid="email-duplicates">
                  {(checks.emailDuplicates ?? []).map((d) => (
                    <li key={`${d.kind}-${d.id}`}>
                      <WarningOutlined style={{ color: '#faad14' }} /> {t(`checks.emailDupKind.${d.kind}`)}:{' '}
                      {d.kind === 'registration' ? (
                        <>
                          <Link to={`/platform/registrations/${encodeURIComponent(d.id)}`}>{d.companyName || d.id}</Link> <StatusTag status={d.status} />
                        </>
                      ) : (
                        t(`checks.loginKind.${d.status}`, { defaultValue: d.status })
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </Card>
            <Card title={t('review.versions')} data-testid="versions">
              {unsubmitted.length > 0 && (
                <Alert
                  type="info"
                  showIcon
                  style={{ marginBottom: 16 }}
                  data-testid="unsubmitted-changes"
                  title={t('review.unsubmittedChanges')}
                  description={<ul style={{ margin: 0, paddingInlineStart: 18 }}>{unsubmitted.map(changeLine)}</ul>}
                />
              )}
              {versions.length === 0 ? (
                <Empty description={t('review.noVersions')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
              ) : (
                <Timeline
                  items={[...versions]
                    .sort((a, b) => b.version - a.version)
                    .map((v) => ({
                      key: v.version,
                      color: v.version === r.version ? 'blue' : 'gray',
                      content: (
                        <div data-testid={`version-${v.version}`}>
                          <Typography.Text strong>{t('review.versionLabel', { version: v.version })}</Typography.Text>{' '}
                          <Typography.Text type="secondary">{fmt.dateTime(v.submittedAt)}</Typography.Text>
                          {v.changes.length > 0 ? (
                            <ul style={{ margin: '4px 0 0', paddingInlineStart: 18 }}>{v.changes.map(changeLine)}</ul>
                          ) : (
                            <div>
                              <Typography.Text type="secondary">
                                {v.version === 1 ? t('review.initialVersion') : t('review.noChanges')}
                              </Typography.Text>
                            </div>
                          )}
                        </div>
                      ),
                    }))}
                />
              )}
            </Card>
            <Card title={t('review.decisions')} data-testid="decisions">
              {decisions.length === 0 ? (
                <Empty description={t('review.noDecisions')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
              ) : (
                <Timeline
                  items={[...decisions]
                    .sort((a, b) => b.decidedAt.localeCompare(a.decidedAt))
                    .map((d) => ({
                      key: d.id,
                      color: d.decision === 'approved' ? 'green' : 'red',
                      content: (
                        <div data-testid={`decision-${d.id}`}>
                          <Space wrap>
                            <Tag color={d.decision === 'approved' ? 'success' : 'error'}>
                              {t(`review.decision.${d.decision}`)}
                            </Tag>
                            <Typography.Text type="secondary">
                              {t('review.decisionMeta', {
                                version: d.version,
                                reviewer: d.reviewerName || '—',
                                time: fmt.dateTime(d.decidedAt),
                              })}
                            </Typography.Text>
                          </Space>
                          {d.reasons.length > 0 && (
                            <div style={{ marginTop: 4 }}>
                              {d.reasons.map((code) => (
                                <Tag key={code}>{reasonLabel(code)}</Tag>
                              ))}
                            </div>
                          )}
                          {d.comment && (
                            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: '4px 0 0' }}>
                              {d.comment}
                            </Typography.Paragraph>
                          )}
                        </div>
                      ),
                    }))}
                />
              )}
            </Card>
          </Space>
        </Col>
      </Row>

      <Modal
        open={approveOpen}
        title={t('review.approveTitle', { name: r.companyName ?? '' })}
        okText={t('review.approve')}
        cancelText={t('common.cancel')}
        onOk={() => void approve()}
        onCancel={closeModals}
        confirmLoading={acting}
        okButtonProps={{ ...testId('confirm-approve') }}
        destroyOnHidden
      >
        {actionError ? <ProblemAlert error={actionError} /> : null}
        <Typography.Paragraph>{t('review.approveText')}</Typography.Paragraph>
        <Input.TextArea
          rows={3}
          maxLength={1000}
          showCount
          value={approveComment}
          onChange={(e) => setApproveComment(e.target.value)}
          placeholder={t('review.approveCommentPlaceholder')}
          data-testid="approve-comment"
        />
      </Modal>

      <Modal
        open={rejectOpen}
        title={t('review.rejectTitle', { name: r.companyName ?? '' })}
        okText={t('review.reject')}
        cancelText={t('common.cancel')}
        onOk={() => void reject()}
        onCancel={closeModals}
        confirmLoading={acting}
        okButtonProps={{ danger: true, ...testId('confirm-reject') }}
        forceRender
      >
        {actionError ? <ProblemAlert error={actionError} extraErrors={actionExtra} /> : null}
        <Form<RejectValues> form={rejectForm} layout="vertical" initialValues={{ reasons: [], comment: '' }}>
          <Form.Item
            name="reasons"
            label={t('review.reasons')}
            rules={[{ required: true, type: 'array', min: 1, message: t('review.reasonsRequired') }]}
          >
            <Checkbox.Group style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
              {REJECTION_REASONS.map((code) => (
                <Checkbox key={code} value={code} data-testid={`reject-reason-${code}`}>
                  {t(`reasons.${code}`)}
                </Checkbox>
              ))}
            </Checkbox.Group>
          </Form.Item>
          <Form.Item
            name="comment"
            label={t('review.comment')}
            extra={t('review.commentHint')}
            rules={[{ required: true, whitespace: true, message: t('review.commentRequired') }]}
          >
            <Input.TextArea rows={4} maxLength={2000} showCount data-testid="reject-comment" />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
