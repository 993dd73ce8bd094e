import { Button, Result } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { PageSpinner } from '../../components/RequireAuth';
import { saveStoredRegistration } from './registrationStore';

/** `/register/resume?id=<id>&token=<token>` — link from the e-mail: remember the registration, open the wizard. */
export default function RegisterResume() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const id = params.get('id');
  const token = params.get('token');
  // A link broken by a mail client (cut or re-encoded) gets the friendly "invalid link" page, not an API error.
  const valid = !!id && !!token && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) && /^[\w-]{20,200}$/.test(token);

  useEffect(() => {
    if (valid && id && token) {
      saveStoredRegistration({ id, token });
      navigate('/register', { replace: true });
    }
  }, [valid, id, token, navigate]);

  if (valid) return <PageSpinner />;
  return (
    <Result
      status="warning"
      title={t('register.resume.invalidTitle')}
      subTitle={t('register.resume.invalidText')}
      extra={
        <Link to="/register">
          <Button type="primary">{t('landing.startRegistration')}</Button>
        </Link>
      }
    />
  );
}
