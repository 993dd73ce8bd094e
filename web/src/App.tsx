import { Route, Routes } from 'react-router-dom';
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
import AcceptInvitation from './pages/access/AcceptInvitation';
import AccessDepartments from './pages/access/Departments';
import AccessHistory from './pages/access/History';
import AccessRequests from './pages/access/Requests';
import AccessRoles from './pages/access/Roles';
import AccessUsers from './pages/access/Users';
import AccessApiKeys from './pages/access/ApiKeys';
import PermissionRequestQueue from './pages/platform/PermissionRequestQueue';
import TenantAccessDetail from './pages/platform/TenantAccessDetail';
import TenantAccessList from './pages/platform/TenantAccessList';
import ContractList from './pages/contracts/ContractList';
import ContractNew from './pages/contracts/ContractNew';
import ContractDetail from './pages/contracts/ContractDetail';
import ContractDashboard from './pages/contracts/ContractDashboard';
import SignPage from './pages/contracts/SignPage';
import VerifyPage from './pages/contracts/VerifyPage';
import NotificationsPage from './pages/contracts/ux/Notifications';
import ContractSettingsPage from './pages/contracts/ux/ContractSettings';
import AccessReports from './pages/platform/AccessReports';
import PlatformHome from './pages/platform/PlatformHome';
import { rolesOf, type PlatformPage } from './pages/platform/pageRoles';
import AccessReportList from './pages/access/Reports';
import AccessReportDetail from './pages/access/ReportDetail';
import type { ReactNode } from 'react';

/** An operator page, open only to the platform roles declared for it (the API checks the same roles). */
function op(page: PlatformPage, element: ReactNode) {
  return (
    <RequireAuth kind="platform" roles={rolesOf(page)}>
      {element}
    </RequireAuth>
  );
}

import SecurityPage from './pages/security/SecurityPage';
import PolicyPage from './pages/security/PolicyPage';
import ResetPassword from './pages/security/ResetPassword';
import AuditAlertsPage from './pages/security/AuditAlertsPage';
import IncidentsPage from './pages/security/IncidentsPage';
import TrainingPage from './pages/security/TrainingPage';
import { usePermissions } from './pages/contracts/usePermissions';

function TenantSecurityCenter() {
  // Deciding on alerts is the catalogue permission security.manage (custom roles included), as the API checks.
  const perms = usePermissions();
  return <AuditAlertsPage canDecide={perms.has('security.manage')} />;
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

        {/* access: invitation link (public) */}
        <Route path="invite/:token" element={<AcceptInvitation />} />
        {/* contracts (public) */}
        <Route path="sign/:token" element={<SignPage />} />
        <Route path="verify" element={<VerifyPage />} />

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
            <RequireAuth kind="platform">
              <ConsoleLayout items={platformNav} />
            </RequireAuth>
          }
        >
          <Route index element={<PlatformHome />} />
          <Route path="registrations" element={op('registrations', <RegistrationQueue />)} />
          <Route path="registrations/:id" element={op('registrations', <RegistrationDetail />)} />
          <Route path="tenants" element={op('tenants', <TenantAccessList />)} />
          <Route path="tenants/:id" element={op('tenants', <TenantAccessDetail />)} />
          <Route path="access/requests" element={op('accessRequests', <PermissionRequestQueue />)} />
          <Route path="access/history" element={op('accessHistory', <AccessHistory platform />)} />
          <Route path="access/reports" element={op('accessReports', <AccessReports />)} />
          <Route path="access/reports/:tenantId/:id" element={op('accessReports', <AccessReportDetail platform />)} />
          <Route path="security" element={<SecurityPage />} />
          <Route path="security/incidents" element={op('securityIncidents', <IncidentsPage />)} />
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
          <Route path="access/users" element={<AccessUsers />} />
          <Route path="access/roles" element={<AccessRoles />} />
          <Route path="access/departments" element={<AccessDepartments />} />
          <Route path="access/requests" element={<AccessRequests />} />
          <Route path="access/history" element={<AccessHistory />} />
          <Route path="access/api-keys" element={<AccessApiKeys />} />
          <Route path="contracts" element={<ContractList />} />
          <Route path="contracts/new" element={<ContractNew />} />
          <Route path="contracts/dashboard" element={<ContractDashboard />} />
          <Route path="contracts/settings" element={<ContractSettingsPage />} />
          <Route path="contracts/:id" element={<ContractDetail />} />
          <Route path="notifications" element={<NotificationsPage />} />
          <Route path="access/reports" element={<AccessReportList />} />
          <Route path="access/reports/:id" element={<AccessReportDetail />} />
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
