-- Security awareness training: courses with a quiz, assignments to a tenant's users, attempts.
CREATE TABLE training_courses (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  title text NOT NULL,
  content text NOT NULL,
  pass_score int NOT NULL CHECK (pass_score BETWEEN 1 AND 100),
  questions jsonb NOT NULL,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
ALTER TABLE training_courses ENABLE ROW LEVEL SECURITY;
ALTER TABLE training_courses FORCE ROW LEVEL SECURITY;
CREATE POLICY training_courses_tenant ON training_courses USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

CREATE TABLE training_assignments (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  course_id uuid NOT NULL,
  user_id uuid NOT NULL,
  due_at timestamptz NOT NULL,
  assigned_at timestamptz NOT NULL,
  assigned_by uuid NOT NULL,
  completed_at timestamptz,
  score int,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, course_id) REFERENCES training_courses (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX training_assignments_once ON training_assignments (tenant_id, course_id, user_id);
ALTER TABLE training_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE training_assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY training_assignments_tenant ON training_assignments USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- Every quiz attempt is kept (append-only): the training record auditors ask for.
CREATE TABLE training_attempts (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  assignment_id uuid NOT NULL,
  score int NOT NULL,
  passed boolean NOT NULL,
  answers jsonb NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, assignment_id) REFERENCES training_assignments (tenant_id, id)
);
ALTER TABLE training_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE training_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY training_attempts_tenant ON training_attempts USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
