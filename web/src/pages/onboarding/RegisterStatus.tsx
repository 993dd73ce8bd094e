import { App, Button, Card, Descriptions, Layout, Result, Space } from 'antd';
import type { ResultProps } from 'antd';
import { ClockCircleOutlined, ReloadOutlined } from '@ant-design/icons';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { ApiError } from '../../api';
import ProblemAlert from '../../components/ProblemAlert';
import { PageSpinner } from '../../components/RequireAuth';
import StatusTag from '../../components/StatusTag';
import { useFormat } from '../../format';
import { testId } from '../../testid';
import type { Registration } from '../../types';
import RejectionDetails from './RejectionDetails';
import {
  WITHDRAWABLE_STATUSES,
  clearStoredRegistration,
  loadStoredRegistration,
  registrationApi,
  type StoredRegistration,
} from './registrationStore';

export default function RegisterStatus() {
  const { t } = useTranslation();
  const { modal, message } = App.useApp();
  const navigate = useNavigate();
  const fmt = useFormat();
  const [stored, setStored] = useState<StoredRegistration | null>(() => loadStoredRegistration());
  const [registration, setRegistration] = useState<Registration | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  /** The saved link no longer opens the application (expired, or replaced after an e-mail change). */
  const [lost, setLost] = useState(false);

  const load = useCallback(async () => {
    const s = loadStoredRegistration();
    setStored(s);
    if (!s) {
      setLoading(false);
      return;
    }
    setLoading(true);
    setError(null);
    try {
      setRegistration(await registrationApi.get(s));
    } catch (e) {
      if (e instanceof ApiError && [401, 403, 404].includes(e.status)) {
        // Say so instead of silently forgetting the application: the latest mail has a working link.
        clearStoredRegistration();
        setStored(null);
        setLost(true);
      } else {
        setError(e);
      }
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const startNew = () => {
    clearStoredRegistration();
    navigate('/register');
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
          setRegistration(await registrationApi.withdraw(stored));
          message.success(t('register.withdraw.done'));
        } catch (e) {
          setError(e);
        }
      },
    });
  };

  if (loading) return <PageSpinner />;

  if (!stored || !registration) {
    return (
      <Layout.Content style={{ padding: 24 }}>
        {error ? (
          <Card style={{ maxWidth: 720, margin: '24px auto' }}>
            <ProblemAlert error={error} />
            <Button icon={<ReloadOutlined />} onClick={() => void load()}>
              {t('common.retry')}
            </Button>
          </Card>
        ) : lost ? (
          <Result
            status="warning"
            title={t('register.status.lostTitle')}
            subTitle={t('register.status.lostText')}
            data-testid="registration-link-lost"
            extra={
              <Link to="/register">
                <Button>{t('landing.startRegistration')}</Button>
              </Link>
            }
          />
        ) : (
          <Result
            status="info"
            title={t('register.status.noneTitle')}
            subTitle={t('register.status.noneText')}
            extra={
              <Link to="/register">
                <Button type="primary">{t('landing.startRegistration')}</Button>
              </Link>
            }
          />
        )}
      </Layout.Content>
    );
  }

  const r = registration;
  const canWithdraw = WITHDRAWABLE_STATUSES.includes(r.status);
  const withdrawButton = canWithdraw ? (
    <Button danger key="withdraw" onClick={withdraw} data-testid="withdraw-button">
      {t('register.withdraw.button')}
    </Button>
  ) : null;

  let result: ResultProps;
  switch (r.status) {
    case 'draft':
      result = {
        status: 'info',
        title: t('register.status.draftTitle'),
        subTitle: t('register.status.draftText'),
        extra: [
          <Link to="/register" key="continue">
            <Button type="primary" data-testid="continue-button">
              {t('register.status.continue')}
            </Button>
          </Link>,
          withdrawButton,
        ],
      };
      break;
    case 'submitted':
      result = {
        status: 'info',
        icon: <ClockCircleOutlined style={{ color: '#1f4e9c' }} />,
        title: t('register.status.submittedTitle'),
        subTitle: t('register.status.submittedText', { email: r.contactEmail ?? '' }),
        extra: [withdrawButton],
      };
      break;
    case 'approved':
      result = {
        status: 'success',
        title: t('register.status.approvedTitle'),
        subTitle: t('register.status.approvedText', { email: r.contactEmail ?? '' }),
        extra: [
          <Link to="/login" key="login">
            <Button type="primary" data-testid="goto-login">
              {t('register.status.gotoLogin')}
            </Button>
          </Link>,
        ],
      };
      break;
    case 'rejected':
      result = {
        status: 'error',
        title: t('register.status.rejectedTitle'),
        subTitle: t('register.status.rejectedText'),
        extra: [
          <Button type="primary" key="resubmit" data-testid="resubmit-button" onClick={() => navigate('/register?edit=1')}>
            {t('register.status.resubmit')}
          </Button>,
        ],
        children: r.rejection ? <RejectionDetails reasons={r.rejection.reasons} comment={r.rejection.comment} /> : null,
      };
      break;
    case 'withdrawn':
    case 'expired':
    default:
      result = {
        status: 'warning',
        title: t(r.status === 'expired' ? 'register.status.expiredTitle' : 'register.status.withdrawnTitle'),
        subTitle: t(r.status === 'expired' ? 'register.status.expiredText' : 'register.status.withdrawnText'),
        extra: [
          <Button type="primary" key="new" onClick={startNew} data-testid="new-registration-button">
            {t('register.status.startNew')}
          </Button>,
        ],
      };
  }

  return (
    <Layout.Content style={{ padding: '24px 16px' }}>
      <Card style={{ maxWidth: 860, margin: '0 auto' }} data-testid="registration-status" data-status={r.status}>
        {error ? <ProblemAlert error={error} onClose={() => setError(null)} /> : null}
        <Result {...result} />
        <Descriptions
          bordered
          size="small"
          column={{ xs: 1, sm: 2 }}
          title={t('register.status.summary')}
          extra={
            <Space>
              <Button size="small" icon={<ReloadOutlined />} onClick={() => void load()}>
                {t('common.refresh')}
              </Button>
            </Space>
          }
          items={[
            { key: 'company', label: t('fields.companyName'), children: r.companyName || '—' },
            { key: 'uscc', label: t('fields.uscc'), children: r.uscc || '—' },
            { key: 'status', label: t('fields.status'), children: <StatusTag status={r.status} /> },
            { key: 'contactEmail', label: t('fields.contactEmail'), children: r.contactEmail || '—' },
            { key: 'submittedAt', label: t('fields.submittedAt'), children: fmt.dateTime(r.submittedAt) },
            { key: 'decidedAt', label: t('fields.decidedAt'), children: fmt.dateTime(r.decidedAt) },
          ]}
        />
      </Card>
    </Layout.Content>
  );
}
