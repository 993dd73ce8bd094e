import { useEffect, useState } from 'react';
import { Button } from 'antd';
import { KeyOutlined } from '@ant-design/icons';
import { startAuthentication } from '@simplewebauthn/browser';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { contractsApi } from './contractsApi';

/**
 * "Sign with passkey" for an internal signer who has registered a passkey: the server's options carry a
 * challenge binding the document hash, the signer and the time; the authenticator signs it.
 * Signers without a passkey do not see it (they sign with the e-mail code beside it).
 */
export default function PasskeySign({ contractId, busy, act }: { contractId: string; busy: boolean; act: (fn: () => Promise<unknown>) => Promise<unknown> }) {
  const { t } = useTranslation();
  const [hasPasskey, setHasPasskey] = useState(false);
  useEffect(() => {
    let live = true;
    api
      .get<{ passkeys?: unknown[] }>('/security/mfa')
      .then((s) => live && setHasPasskey((s.passkeys ?? []).length > 0))
      .catch(() => live && setHasPasskey(false));
    return () => {
      live = false;
    };
  }, []);
  if (!hasPasskey) return null;
  return (
    <Button
      data-testid="sign-passkey"
      icon={<KeyOutlined />}
      loading={busy}
      onClick={() =>
        void act(async () => {
          const { options } = await contractsApi.passkeyOptions(contractId);
          const response = await startAuthentication({ optionsJSON: options });
          return contractsApi.signWithPasskey(contractId, response);
        })
      }
    >
      {t('contracts.passkey.sign')}
    </Button>
  );
}
