import { Navigate, Route, Routes } from 'react-router-dom';
import { REVIEW_ROLES, useAuth } from './auth';
import AppLayout from './components/AppLayout';
import ConsoleLayout from './components/ConsoleLayout';
import RequireAuth from './components/RequireAuth';
import { platformNav, tenantNav } from './navigation';
import NotFound from './pages/NotFound';
import ChangePassword from './pages/auth/ChangePassword';
import Login from './pages/auth/Login';
import Landing from './pages/onboarding/Landing';
import RegisterResume from './pages/onboarding/RegisterResume';
import RegisterStatus from './pages/onboarding/RegisterStatus';
import RegisterWizard from './pages/onboarding/RegisterWizard';
import RegistrationDetail from './pages/platform/RegistrationDetail';
import RegistrationQueue from './pages/platform/RegistrationQueue';
import TenantHome from './pages/tenant/TenantHome';
import SecurityPage from './pages/security/SecurityPage';
import PolicyPage from './pages/security/PolicyPage';
import ResetPassword from './pages/security/ResetPassword';
import AuditAlertsPage from './pages/security/AuditAlertsPage';
import IncidentsPage from './pages/security/IncidentsPage';
import TrainingPage from './pages/security/TrainingPage';

function TenantSecurityCenter() {
  const { me } = useAuth();
  return <AuditAlertsPage canDecide={!!me?.user.roles.includes('tenant_admin')} />;
}

export default function App() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<Landing />} />

        {/* onboarding (public) */}
        <Route path="register" element={<RegisterWizard />} />
        <Route path="register/status" element={<RegisterStatus />} />
        <Route path="register/resume" element={<RegisterResume />} />

        {/* auth */}
        <Route path="login" element={<Login />} />
        <Route path="reset-password" element={<ResetPassword />} />
        <Route
          path="change-password"
          element={
            <RequireAuth allowPasswordChange>
              <ChangePassword />
            </RequireAuth>
          }
        />

        {/* platform console */}
        <Route
          path="platform"
          element={
            <RequireAuth kind="platform" roles={REVIEW_ROLES}>
              <ConsoleLayout items={platformNav} />
            </RequireAuth>
          }
        >
          <Route index element={<Navigate to="registrations" replace />} />
          <Route path="registrations" element={<RegistrationQueue />} />
          <Route path="registrations/:id" element={<RegistrationDetail />} />
          <Route path="security" element={<SecurityPage />} />
          <Route path="security/incidents" element={<IncidentsPage />} />
          <Route path="*" element={<NotFound />} />
        </Route>

        {/* tenant console */}
        <Route
          path="tenant"
          element={
            <RequireAuth kind="tenant">
              <ConsoleLayout items={tenantNav} />
            </RequireAuth>
          }
        >
          <Route index element={<TenantHome />} />
          <Route path="security" element={<SecurityPage />} />
          <Route path="security/training" element={<TrainingPage />} />
          <Route
            path="security/center"
            element={
              <RequireAuth kind="tenant" roles={['tenant_admin', 'auditor']}>
                <TenantSecurityCenter />
              </RequireAuth>
            }
          />
          <Route
            path="security/policy"
            element={
              <RequireAuth kind="tenant" roles={['tenant_admin']}>
                <PolicyPage />
              </RequireAuth>
            }
          />
          <Route path="*" element={<NotFound />} />
        </Route>

        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
