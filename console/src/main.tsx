import { Connections } from './pages/Connections';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { consolePaths } from '@contracts/paths';
import { consoleRoot } from './lib/api';
import { AppCreated } from './pages/AppCreated';
import { AppPage } from './pages/app/AppPage';
import { ApiEditor, ApisList } from './pages/Apis';
import { AppsList } from './pages/AppsList';
import { Audit } from './pages/Audit';
import { CreateApp } from './pages/CreateApp';
import { Credentials } from './pages/Credentials';
import { MemberPage, Members } from './pages/Members';
import { CreateOrganization, OrgSettings } from './pages/Organizations';
import { PlaygroundCallback } from './pages/PlaygroundCallback';
import { SigningKeys } from './pages/Keys';
import { Profile } from './pages/Profile';
import { RegistrationTokens } from './pages/RegistrationTokens';
import { Reviews } from './pages/Reviews';
import { SignedOut } from './pages/SignedOut';
import { Home, NotFound, OrgLayout, SessionGate } from './pages/Shell';
import { UserDetail, Users } from './pages/Users';
import './styles.css';

function Console() {
  return (
    <BrowserRouter basename={consoleRoot}>
      <Routes>
        <Route path="playground/callback" element={<PlaygroundCallback />} />
        <Route path={consolePaths.signedOut.slice(1)} element={<SignedOut />} />
        <Route element={<SessionGate />}>
          <Route index element={<Home />} />
          <Route path="orgs/new" element={<CreateOrganization />} />
          <Route path="orgs/:org" element={<OrgLayout />}>
            <Route index element={<Navigate to="apps" replace />} />
            <Route path="apps" element={<AppsList />} />
            <Route path="apps/new" element={<CreateApp />} />
            <Route path="apps/:clientId/credentials" element={<AppCreated />} />
            <Route path="apps/:clientId" element={<AppPage />} />
            <Route path="apps/:clientId/:tab" element={<AppPage />} />
            <Route path="apis" element={<ApisList />} />
            <Route path="apis/new" element={<ApiEditor />} />
            <Route path="apis/:apiId" element={<ApiEditor />} />
            <Route path="members" element={<Members />} />
            <Route path="members/:userId" element={<MemberPage />} />
            <Route path="credentials" element={<Credentials />} />
            <Route path="connections" element={<Connections />} />
            <Route path="registration" element={<RegistrationTokens />} />
            <Route path="audit" element={<Audit />} />
            <Route path="reviews" element={<Reviews />} />
            <Route path="profile" element={<Profile />} />
            <Route path="settings" element={<OrgSettings />} />
            <Route path="users" element={<Users />} />
            <Route path="users/:userId" element={<UserDetail />} />
            <Route path="keys" element={<SigningKeys />} />
          </Route>
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}

createRoot(document.getElementById('root')!).render(<Console />);
