import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Col,
  Descriptions,
  Divider,
  Form,
  Input,
  Layout,
  Result,
  Row,
  Space,
  Steps,
  Tag,
  Typography,
  Upload,
} from 'antd';
import type { UploadProps } from 'antd';
import {
  CheckCircleFilled,
  EditOutlined,
  FileTextOutlined,
  InboxOutlined,
  MailOutlined,
  ReloadOutlined,
  SafetyCertificateOutlined,
} from '@ant-design/icons';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, applyFieldErrors, errorMessage, type ProblemFieldError } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';
import { PageSpinner } from '../../components/RequireAuth';
import { useFormat } from '../../format';
import { testId } from '../../testid';
import {
  COMPANY_FIELDS,
  CONTACT_FIELDS,
  type PrivacyPolicy,
  type Registration,
  type RegistrationDraft,
  type RegistrationField,
} from '../../types';
import RejectionDetails from './RejectionDetails';
import {
  EDITABLE_STATUSES,
  clearStoredRegistration,
  loadStoredRegistration,
  registrationApi,
  saveStoredRegistration,
  type StoredRegistration,
} from './registrationStore';

const MAX_LICENSE_BYTES = 10 * 1024 * 1024;
const LICENSE_ACCEPT = '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png';
const ALL_FIELDS: RegistrationField[] = [...COMPANY_FIELDS, ...CONTACT_FIELDS];

type WizardValues = Partial<Record<RegistrationField, string>> & { code?: string };

function valuesFrom(r: Registration): WizardValues {
  const values: WizardValues = {};
  for (const f of ALL_FIELDS) values[f] = r[f] ?? undefined;
  return values;
}

/** Changed fields of one step (trimmed; empty → null). On create, empty values are left out. */
function buildDraft(values: WizardValues, fields: readonly RegistrationField[], current: Registration | null): RegistrationDraft {
  const draft: RegistrationDraft = {};
  for (const f of fields) {
    const raw = values[f];
    const value = typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : null;
    if (current) {
      if ((current[f] ?? null) !== value) draft[f] = value;
    } else if (value !== null) {
      draft[f] = value;
    }
  }
  return draft;
}

/** First step the applicant still has to work on. */
function furthestStep(r: Registration | null): number {
  if (!r || !r.companyName || !r.uscc || !r.registeredAddress) return 0;
  if (!r.contactName || !r.contactMobile || !r.contactEmail || !r.emailVerified) return 1;
  if (!r.license) return 2;
  return 3;
}

function secondsUntil(ts: number | null, now: number): number {
  return ts ? Math.max(0, Math.ceil((ts - now) / 1000)) : 0;
}

export default function RegisterWizard() {
  const { t, i18n } = useTranslation();
  const { message, modal } = App.useApp();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const editMode = params.get('edit') === '1';
  const fmt = useFormat();
  const [form] = Form.useForm<WizardValues>();

  const [stored, setStored] = useState<StoredRegistration | null>(null);
  const [registration, setRegistration] = useState<Registration | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [step, setStep] = useState(0);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [extraErrors, setExtraErrors] = useState<ProblemFieldError[] | undefined>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const [initialValues, setInitialValues] = useState<WizardValues>({});

  // e-mail verification
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [resendAt, setResendAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [sending, setSending] = useState(false);
  const [verifying, setVerifying] = useState(false);

  // license
  const [licenseError, setLicenseError] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);

  // review
  const [privacy, setPrivacy] = useState<PrivacyPolicy | null>(null);
  const [privacyError, setPrivacyError] = useState<unknown>(null);
  const [consent, setConsent] = useState(false);

  const contactEmail = Form.useWatch('contactEmail', form);

  const clearErrors = () => {
    setError(null);
    setExtraErrors(undefined);
  };

  // ---------------------------------------------------------------- load
  const load = useCallback(async () => {
    setLoading(true);
    setLoadError(null);
    const s = loadStoredRegistration();
    if (!s) {
      setLoading(false);
      return;
    }
    try {
      const r = await registrationApi.get(s);
      if (!EDITABLE_STATUSES.includes(r.status) || (r.status === 'rejected' && !editMode)) {
        navigate('/register/status', { replace: true });
        return;
      }
      setStored(s);
      setRegistration(r);
      setInitialValues(valuesFrom(r));
      setStep(r.status === 'rejected' ? 0 : furthestStep(r));
    } catch (e) {
      if (e instanceof ApiError && [401, 403, 404].includes(e.status)) {
        clearStoredRegistration();
        setNotice('register.resume.lost');
      } else {
        setLoadError(e);
      }
    } finally {
      setLoading(false);
    }
  }, [editMode, navigate]);

  useEffect(() => {
    void load();
  }, [load]);

  // countdown tick for "resend code"
  useEffect(() => {
    if (!resendAt) return;
    const timer = window.setInterval(() => {
      const n = Date.now();
      setNow(n);
      if (n >= resendAt) window.clearInterval(timer);
    }, 1000);
    return () => window.clearInterval(timer);
  }, [resendAt]);
  const resendIn = secondsUntil(resendAt, now);

  // privacy terms are localized: (re)load on the review step and on language change
  useEffect(() => {
    if (step !== 3) return;
    let cancelled = false;
    setPrivacyError(null);
    registrationApi
      .privacy()
      .then((p) => {
        if (cancelled) return;
        setPrivacy((prev) => {
          if (prev && prev.version !== p.version) setConsent(false);
          return p;
        });
      })
      .catch((e: unknown) => {
        if (!cancelled) setPrivacyError(e);
      });
    return () => {
      cancelled = true;
    };
  }, [step, i18n.language]);

  // ---------------------------------------------------------------- saving
  const handleError = (e: unknown, fields: readonly string[]) => {
    const unmapped = applyFieldErrors(form, e, fields);
    setError(e);
    setExtraErrors(unmapped);
  };

  /** Shows the server-normalised values (E.164 mobile, upper-case USCC, ...) in the form. */
  const syncForm = (r: Registration, fields: readonly RegistrationField[]) => {
    const values: WizardValues = {};
    for (const f of fields) values[f] = r[f] ?? undefined;
    form.setFieldsValue(values);
  };

  /** Saves the given step fields: POST on first save, PATCH (changed fields only) afterwards. */
  const saveFields = async (fields: readonly RegistrationField[]): Promise<Registration | null> => {
    const values = form.getFieldsValue(true) as WizardValues;
    if (!stored) {
      const created = await registrationApi.create(buildDraft(values, ALL_FIELDS, null));
      const s = { id: created.id, token: created.resumeToken };
      saveStoredRegistration(s);
      setStored(s);
      setRegistration(created.registration);
      syncForm(created.registration, ALL_FIELDS);
      return created.registration;
    }
    const draft = buildDraft(values, fields, registration);
    if (Object.keys(draft).length === 0) return registration;
    const updated = await registrationApi.patch(stored, draft);
    setRegistration(updated);
    syncForm(updated, fields);
    return updated;
  };

  const validate = async (fields: readonly string[]): Promise<boolean> => {
    try {
      await form.validateFields(fields as string[]);
      return true;
    } catch {
      return false;
    }
  };

  const nextFromCompany = async () => {
    clearErrors();
    if (!(await validate(COMPANY_FIELDS))) return;
    setSaving(true);
    try {
      await saveFields(COMPANY_FIELDS);
      setStep(1);
    } catch (e) {
      handleError(e, COMPANY_FIELDS);
    } finally {
      setSaving(false);
    }
  };

  const emailVerified =
    !!registration?.emailVerified &&
    (contactEmail ?? '').trim().toLowerCase() === (registration.contactEmail ?? '').toLowerCase();

  const nextFromContact = async () => {
    clearErrors();
    if (!(await validate(CONTACT_FIELDS))) return;
    setSaving(true);
    try {
      const r = await saveFields(CONTACT_FIELDS);
      if (!r?.emailVerified) {
        form.setFields([{ name: 'code', errors: [t('register.contact.verifyFirst')] }]);
        return;
      }
      setStep(2);
    } catch (e) {
      handleError(e, CONTACT_FIELDS);
    } finally {
      setSaving(false);
    }
  };

  const sendCode = async () => {
    clearErrors();
    if (!(await validate(CONTACT_FIELDS))) return;
    setSending(true);
    try {
      const r = await saveFields(CONTACT_FIELDS);
      const target = stored ?? loadStoredRegistration();
      if (!r || !target) return;
      const result = await registrationApi.sendEmailCode(target);
      setSentTo(result.sentTo);
      setResendAt(Date.now() + Math.max(0, result.resendAfterSeconds) * 1000);
      setNow(Date.now());
      form.setFields([{ name: 'code', value: '', errors: [] }]);
      message.success(t('register.contact.codeSent', { email: result.sentTo }));
    } catch (e) {
      if (e instanceof ApiError && e.retryAfter) {
        setResendAt(Date.now() + e.retryAfter * 1000);
        setNow(Date.now());
      }
      handleError(e, CONTACT_FIELDS);
    } finally {
      setSending(false);
    }
  };

  const verifyCode = async () => {
    clearErrors();
    if (!stored || !(await validate(['code']))) return;
    setVerifying(true);
    try {
      const r = await registrationApi.verifyEmailCode(stored, String(form.getFieldValue('code') ?? '').trim());
      setRegistration(r);
      form.setFields([{ name: 'code', value: '', errors: [] }]);
      setSentTo(null);
      message.success(t('register.contact.verified'));
    } catch (e) {
      const unmapped = applyFieldErrors(form, e, ['code']);
      if (e instanceof ApiError && unmapped.length === (e.fieldErrors.length ?? 0)) {
        // no field error for "code": show the (localized) detail inline on the code input
        form.setFields([{ name: 'code', errors: [errorMessage(e)] }]);
      } else if (!(e instanceof ApiError)) {
        setError(e);
      }
    } finally {
      setVerifying(false);
    }
  };

  // ---------------------------------------------------------------- license
  const uploadProps: UploadProps = {
    name: 'file',
    accept: LICENSE_ACCEPT,
    multiple: false,
    maxCount: 1,
    showUploadList: false,
    disabled: uploading || !stored,
    beforeUpload: (file) => {
      setLicenseError(null);
      if (file.size > MAX_LICENSE_BYTES) {
        setLicenseError(t('register.license.tooLarge'));
        return Upload.LIST_IGNORE;
      }
      return true;
    },
    customRequest: async ({ file, onSuccess, onError }) => {
      if (!stored) return;
      setUploading(true);
      setLicenseError(null);
      try {
        const r = await registrationApi.uploadLicense(stored, file as File);
        setRegistration(r);
        message.success(t('register.license.uploaded'));
        onSuccess?.(r);
      } catch (e) {
        const fileError = e instanceof ApiError ? e.fieldErrors.find((fe) => fe.path.endsWith('file')) : undefined;
        setLicenseError(fileError?.message ?? errorMessage(e));
        onError?.(e as Error);
      } finally {
        setUploading(false);
      }
    },
  };

  const nextFromLicense = () => {
    clearErrors();
    if (!registration?.license) {
      setLicenseError(t('register.license.required'));
      return;
    }
    setStep(3);
  };

  // ---------------------------------------------------------------- submit / withdraw
  const submit = async () => {
    clearErrors();
    if (!stored || !privacy) return;
    if (!consent) {
      setError(new Error(t('register.review.consentRequired')));
      return;
    }
    setSaving(true);
    try {
      const r = await registrationApi.submit(stored, privacy.version);
      setRegistration(r);
      message.success(t('register.review.submitted'));
      navigate('/register/status', { replace: true });
    } catch (e) {
      setError(e);
      setExtraErrors(undefined);
    } finally {
      setSaving(false);
    }
  };

  const withdraw = () => {
    if (!stored) return;
    modal.confirm({
      title: t('register.withdraw.confirmTitle'),
      content: t('register.withdraw.confirmText'),
      okText: t('register.withdraw.ok'),
      cancelText: t('common.cancel'),
      okButtonProps: { danger: true, ...testId('confirm-withdraw') },
      onOk: async () => {
        try {
          await registrationApi.withdraw(stored);
          message.success(t('register.withdraw.done'));
          navigate('/register/status', { replace: true });
        } catch (e) {
          setError(e);
        }
      },
    });
  };

  const goTo = (target: number) => {
    clearErrors();
    if (target < step || target <= furthestStep(registration)) setStep(target);
  };

  // ---------------------------------------------------------------- render helpers
  const stepItems = useMemo(
    () => [
      { title: t('register.steps.company'), content: t('register.steps.companyDesc') },
      { title: t('register.steps.contact'), content: t('register.steps.contactDesc') },
      { title: t('register.steps.license'), content: t('register.steps.licenseDesc') },
      { title: t('register.steps.review'), content: t('register.steps.reviewDesc') },
    ],
    [t],
  );

  const fieldInput = (name: RegistrationField, extra?: { placeholder?: string; maxLength?: number; upper?: boolean }) => (
    <Input
      data-testid={`field-${name}`}
      placeholder={extra?.placeholder}
      maxLength={extra?.maxLength}
      autoComplete="off"
      style={extra?.upper ? { textTransform: 'uppercase', fontFamily: 'monospace' } : undefined}
    />
  );

  const companyStep = (
    <>
      <Form.Item
        name="companyName"
        label={t('fields.companyName')}
        rules={[{ required: true, whitespace: true, message: t('validation.required', { field: t('fields.companyName') }) }]}
        extra={t('register.company.companyNameHint')}
      >
        {fieldInput('companyName', { maxLength: 200 })}
      </Form.Item>
      <Form.Item
        name="uscc"
        label={t('fields.uscc')}
        normalize={(v: string | undefined) => (v ? v.toUpperCase().replace(/[\s-]+/g, '') : v)}
        rules={[
          { required: true, message: t('validation.required', { field: t('fields.uscc') }) },
        ]}
        extra={t('register.company.usccHint')}
      >
        {fieldInput('uscc', { maxLength: 18, upper: true, placeholder: '91310000XXXXXXXXXX' })}
      </Form.Item>
      <Form.Item
        name="registeredAddress"
        label={t('fields.registeredAddress')}
        rules={[{ required: true, whitespace: true, message: t('validation.required', { field: t('fields.registeredAddress') }) }]}
      >
        {fieldInput('registeredAddress', { maxLength: 300 })}
      </Form.Item>
      <Form.Item name="legalRepresentative" label={t('fields.legalRepresentative')} extra={t('common.optional')}>
        {fieldInput('legalRepresentative', { maxLength: 100 })}
      </Form.Item>
    </>
  );

  const contactStep = (
    <>
      <Form.Item
        name="contactName"
        label={t('fields.contactName')}
        rules={[{ required: true, whitespace: true, message: t('validation.required', { field: t('fields.contactName') }) }]}
      >
        {fieldInput('contactName', { maxLength: 100 })}
      </Form.Item>
      <Form.Item
        name="contactMobile"
        label={t('fields.contactMobile')}
        rules={[{ required: true, whitespace: true, message: t('validation.required', { field: t('fields.contactMobile') }) }]}
      >
        {fieldInput('contactMobile', { maxLength: 20, placeholder: '13800000000' })}
      </Form.Item>
      <Form.Item
        name="contactEmail"
        label={t('fields.contactEmail')}
        rules={[
          { required: true, message: t('validation.required', { field: t('fields.contactEmail') }) },
          { type: 'email', message: t('validation.email') },
        ]}
        extra={t('register.contact.emailHint')}
      >
        <Input
          data-testid="field-contactEmail"
          type="email"
          autoComplete="email"
          maxLength={254}
          suffix={
            emailVerified ? (
              <Tag color="success" icon={<CheckCircleFilled />} data-testid="email-verified-tag" style={{ marginInlineEnd: 0 }}>
                {t('register.contact.verifiedTag')}
              </Tag>
            ) : (
              <span />
            )
          }
        />
      </Form.Item>
      {emailVerified ? (
        <Alert
          type="success"
          showIcon
          title={t('register.contact.verifiedText', { email: registration?.contactEmail ?? '' })}
          style={{ marginBottom: 16 }}
        />
      ) : (
        <Card size="small" style={{ marginBottom: 16, background: '#fafcff' }}>
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Typography.Text>
              <MailOutlined /> {t('register.contact.verifyIntro')}
            </Typography.Text>
            <Button onClick={() => void sendCode()} loading={sending} disabled={resendIn > 0} data-testid="send-code-button">
              {resendIn > 0
                ? t('register.contact.resendIn', { seconds: resendIn })
                : sentTo
                  ? t('register.contact.resendCode')
                  : t('register.contact.sendCode')}
            </Button>
            {sentTo && (
              <Typography.Text type="secondary" data-testid="code-sent-to">
                {t('register.contact.codeSent', { email: sentTo })}
              </Typography.Text>
            )}
            <Form.Item label={t('register.contact.codeLabel')} required style={{ marginBottom: 0 }}>
              <Space.Compact style={{ maxWidth: 320, width: '100%' }}>
                <Form.Item
                  name="code"
                  noStyle
                  normalize={(v: string | undefined) => (v ? v.replace(/\D/g, '').slice(0, 6) : v)}
                  rules={[{ required: true, pattern: /^\d{6}$/, message: t('validation.code') }]}
                  validateTrigger="onSubmit"
                >
                  <Input
                    data-testid="code-input"
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    maxLength={6}
                    placeholder="000000"
                    style={{ letterSpacing: 4, fontFamily: 'monospace' }}
                    onPressEnter={(e) => {
                      e.preventDefault();
                      void verifyCode();
                    }}
                  />
                </Form.Item>
                <Button type="primary" onClick={() => void verifyCode()} loading={verifying} data-testid="verify-code-button">
                  {t('register.contact.verify')}
                </Button>
              </Space.Compact>
            </Form.Item>
          </Space>
        </Card>
      )}
    </>
  );

  const license = registration?.license ?? null;
  const licenseStep = (
    <>
      {license && (
        <Card size="small" style={{ marginBottom: 16 }} data-testid="license-info">
          <Space align="start">
            <FileTextOutlined style={{ fontSize: 28, color: '#1f4e9c' }} />
            <div>
              <Typography.Text strong data-testid="license-file-name">
                {license.fileName}
              </Typography.Text>
              <div>
                <Typography.Text type="secondary">
                  {t('register.license.fileMeta', {
                    type: t(`mime.${license.mimeType.replace('/', '_')}`, { defaultValue: license.mimeType }),
                    size: fmt.fileSize(license.size),
                    time: fmt.dateTime(license.uploadedAt),
                  })}
                </Typography.Text>
              </div>
            </div>
          </Space>
        </Card>
      )}
      <Form.Item
        label={license ? t('register.license.replace') : t('fields.license')}
        required
        validateStatus={licenseError ? 'error' : undefined}
        help={licenseError ?? undefined}
      >
        <Upload.Dragger {...uploadProps} data-testid="license-upload">
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p className="ant-upload-text">{uploading ? t('register.license.uploading') : t('register.license.drop')}</p>
          <p className="ant-upload-hint">{t('register.license.hint')}</p>
        </Upload.Dragger>
      </Form.Item>
    </>
  );

  const editLink = (target: number) => (
    <Button type="link" size="small" icon={<EditOutlined />} onClick={() => goTo(target)} data-testid={`edit-step-${target}`}>
      {t('common.edit')}
    </Button>
  );
  const show = (v: string | null | undefined) => v || '—';

  const reviewStep = registration ? (
    <>
      <Descriptions
        bordered
        size="small"
        column={1}
        title={t('register.steps.company')}
        extra={editLink(0)}
        style={{ marginBottom: 16 }}
        items={COMPANY_FIELDS.map((f) => ({ key: f, label: t(`fields.${f}`), children: show(registration[f]) }))}
      />
      <Descriptions
        bordered
        size="small"
        column={1}
        title={t('register.steps.contact')}
        extra={editLink(1)}
        style={{ marginBottom: 16 }}
        items={[
          ...CONTACT_FIELDS.map((f) => ({ key: f, label: t(`fields.${f}`), children: show(registration[f]) })),
          {
            key: 'emailVerified',
            label: t('fields.emailVerified'),
            children: registration.emailVerified ? (
              <Tag color="success">{t('register.contact.verifiedTag')}</Tag>
            ) : (
              <Tag color="error">{t('register.contact.notVerifiedTag')}</Tag>
            ),
          },
        ]}
      />
      <Descriptions
        bordered
        size="small"
        column={1}
        title={t('register.steps.license')}
        extra={editLink(2)}
        style={{ marginBottom: 24 }}
        items={[
          {
            key: 'license',
            label: t('fields.license'),
            children: license
              ? `${license.fileName} (${fmt.fileSize(license.size)})`
              : t('register.license.none'),
          },
        ]}
      />
      <Card
        size="small"
        title={
          <Space>
            <SafetyCertificateOutlined />
            {privacy ? privacy.title : t('register.review.privacyTitle')}
            {privacy && <Tag>{t('register.review.privacyVersion', { version: privacy.version })}</Tag>}
          </Space>
        }
        style={{ marginBottom: 16 }}
      >
        {privacyError ? (
          <ProblemAlert error={privacyError} />
        ) : (
          <div
            data-testid="privacy-body"
            style={{ maxHeight: 260, overflowY: 'auto', whiteSpace: 'pre-wrap', lineHeight: 1.7, fontSize: 13 }}
          >
            {privacy ? privacy.body : t('common.loading')}
          </div>
        )}
      </Card>
      <Checkbox
        checked={consent}
        disabled={!privacy}
        onChange={(e) => setConsent(e.target.checked)}
        data-testid="consent-checkbox"
      >
        {t('register.review.consent')}
      </Checkbox>
    </>
  ) : null;

  // ---------------------------------------------------------------- page
  if (loading) return <PageSpinner />;
  if (loadError) {
    return (
      <Layout.Content style={{ padding: 24 }}>
        <Card style={{ maxWidth: 720, margin: '24px auto' }}>
          <ProblemAlert error={loadError} />
          <Button icon={<ReloadOutlined />} onClick={() => void load()}>
            {t('common.retry')}
          </Button>
        </Card>
      </Layout.Content>
    );
  }
  if (registration && !EDITABLE_STATUSES.includes(registration.status)) {
    return (
      <Result
        status="info"
        title={t('register.status.notEditable')}
        extra={
          <Link to="/register/status">
            <Button type="primary">{t('landing.checkStatus')}</Button>
          </Link>
        }
      />
    );
  }

  const footer = (
    <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', marginTop: 24, gap: 12, flexWrap: 'wrap' }}>
      <Space>
        {stored && registration?.status === 'draft' && (
          <Button type="text" danger onClick={withdraw} data-testid="withdraw-button">
            {t('register.withdraw.button')}
          </Button>
        )}
      </Space>
      <Space>
        {step > 0 && (
          <Button onClick={() => goTo(step - 1)} data-testid="prev-button">
            {t('common.previous')}
          </Button>
        )}
        {step === 0 && (
          <Button type="primary" onClick={() => void nextFromCompany()} loading={saving} data-testid="next-button">
            {t('common.saveAndNext')}
          </Button>
        )}
        {step === 1 && (
          <Button type="primary" onClick={() => void nextFromContact()} loading={saving} data-testid="next-button">
            {t('common.saveAndNext')}
          </Button>
        )}
        {step === 2 && (
          <Button type="primary" onClick={nextFromLicense} disabled={uploading} data-testid="next-button">
            {t('common.next')}
          </Button>
        )}
        {step === 3 && (
          <Button
            type="primary"
            onClick={() => void submit()}
            loading={saving}
            disabled={!consent || !privacy}
            data-testid="submit-button"
          >
            {registration?.status === 'rejected' ? t('register.review.resubmit') : t('register.review.submit')}
          </Button>
        )}
      </Space>
    </div>
  );

  return (
    <Layout.Content style={{ padding: '32px 16px' }}>
      <div style={{ maxWidth: 880, margin: '0 auto' }}>
        <Typography.Title level={2} style={{ marginTop: 0 }}>
          {registration?.status === 'rejected' ? t('register.titleResubmit') : t('register.title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('register.intro')}</Typography.Paragraph>
        {notice && <Alert type="warning" showIcon closable title={t(notice)} onClose={() => setNotice(null)} style={{ marginBottom: 16 }} />}
        {registration?.status === 'rejected' && registration.rejection && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 16 }}
            title={t('register.rejectedBanner')}
            description={<RejectionDetails reasons={registration.rejection.reasons} comment={registration.rejection.comment} />}
          />
        )}
        <Card>
          <Steps current={step} items={stepItems} onChange={goTo} style={{ marginBottom: 32 }} data-testid="wizard-steps" />
          <Row justify="center">
            <Col xs={24} md={20}>
              {error ? <ProblemAlert error={error} extraErrors={extraErrors} onClose={clearErrors} /> : null}
              <Form<WizardValues>
                form={form}
                layout="vertical"
                requiredMark
                initialValues={initialValues}
                onFinish={() => undefined}
                data-testid={`wizard-step-${step}`}
              >
                {step === 0 && companyStep}
                {step === 1 && contactStep}
                {step === 2 && licenseStep}
                {step === 3 && reviewStep}
              </Form>
              <Divider style={{ margin: '8px 0 0' }} />
              {footer}
              <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0, fontSize: 12 }}>
                {t('register.autosaveHint')}
              </Typography.Paragraph>
            </Col>
          </Row>
        </Card>
      </div>
    </Layout.Content>
  );
}
