{{- define "autolabs.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "autolabs.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: pass (dict "root" $ "component" "api"). */}}
{{- define "autolabs.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "autolabs.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "autolabs.secretName" -}}
{{- if .Values.secrets.create -}}{{ include "autolabs.fullname" . }}{{- else -}}{{ required "secrets.existingSecret is required when secrets.create is false" .Values.secrets.existingSecret }}{{- end -}}
{{- end -}}

{{- define "autolabs.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "autolabs.secretName" .root }}
      key: {{ .name }}
{{- end -}}

{{/*
Environment shared by the three processes; names and meaning as in common/src/config/env.ts.
Pass (dict "root" $ "privateKey" true|false "gateway" true|false): only the API signs tickets, so only it
gets the ticket private key; only the gateways log in to labs' sshd, so only they get the platform key's
private half (LAB_SSH_PRIVATE_KEY), the API and workers its public line (LAB_SSH_PUBLIC_KEY).
*/}}
{{- define "autolabs.env" -}}
{{- $v := .root.Values -}}
- name: NODE_ENV
  value: production
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: HOST
  value: "0.0.0.0"
- name: AUTOLABS_DATA_DIR
  value: /var/lib/autolabs
- name: PORT
  value: {{ $v.api.port | quote }}
- name: GATEWAY_PORT
  value: {{ $v.gateway.port | quote }}
{{- with $v.publicUrl }}
- name: PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
{{- with $v.gatewayPublicUrl }}
- name: GATEWAY_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
{{- with $v.allowedOrigins }}
- name: ALLOWED_ORIGINS
  value: {{ . | quote }}
{{- end }}
{{- with $v.trustProxy }}
- name: TRUST_PROXY
  value: {{ . | quote }}
{{- end }}
- name: SESSION_COOKIE_SECURE
  value: {{ $v.sessionCookieSecure | quote }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "DATABASE_URL") }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "REDIS_URL") }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "AMQP_URL") }}
- name: S3_ENDPOINT
  value: {{ required "s3.endpoint is required" $v.s3.endpoint | quote }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "S3_ACCESS_KEY") }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "S3_SECRET_KEY") }}
- name: S3_REGION
  value: {{ $v.s3.region | quote }}
- name: S3_BUCKET_CONFIGS
  value: {{ $v.s3.buckets.configs | quote }}
- name: S3_BUCKET_VOLUMES
  value: {{ $v.s3.buckets.volumes | quote }}
- name: S3_BUCKET_RECORDINGS
  value: {{ $v.s3.buckets.recordings | quote }}
{{- if $v.oidc.issuer }}
- name: OIDC_ISSUER
  value: {{ $v.oidc.issuer | quote }}
{{- if not $v.oidc.clientId }}
- name: OIDC_AUDIENCE
  value: {{ required "oidc.audience is required when oidc.issuer is set" $v.oidc.audience | quote }}
{{- else if $v.oidc.audience }}
- name: OIDC_AUDIENCE
  value: {{ $v.oidc.audience | quote }}
{{- end }}
- name: OIDC_ROLE_CLAIM
  value: {{ $v.oidc.roleClaim | quote }}
{{- with $v.oidc.clientId }}
- name: OIDC_CLIENT_ID
  value: {{ . | quote }}
- name: OIDC_SCOPES
  value: {{ $v.oidc.scopes | quote }}
{{- end }}
{{- with $v.oidc.redirectUrl }}
- name: OIDC_REDIRECT_URL
  value: {{ . | quote }}
{{- end }}
{{- with $v.oidc.providerName }}
- name: OIDC_PROVIDER_NAME
  value: {{ . | quote }}
{{- end }}
{{- if and $v.oidc.clientId $v.secrets.oidcClientSecret .privateKey }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "OIDC_CLIENT_SECRET") }}
{{- end }}
{{- end }}
{{- if not $v.oidc.builtinAccounts }}
{{- $_ := required "oidc.clientId is required when oidc.builtinAccounts is false (nobody could sign in)" $v.oidc.clientId }}
{{- end }}
- name: AUTH_BUILTIN
  value: {{ ternary "on" "off" $v.oidc.builtinAccounts | quote }}
{{- if .privateKey }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "TICKET_PRIVATE_KEY") }}
{{- end }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "TICKET_PUBLIC_KEY") }}
- name: LAB_RUNTIME
  value: kubernetes
- name: LAB_NAMESPACE
  value: {{ $v.labNamespace.name | quote }}
- name: SESSION_GRACE_SECONDS
  value: {{ $v.gateway.sessionGraceSeconds | quote }}
- name: GATEWAY_SSH_PORT
  value: {{ ternary $v.gateway.ssh.port 0 $v.gateway.ssh.enabled | quote }}
- name: TERMINAL_BACKEND
  value: {{ $v.terminalBackend | quote }}
{{- if $v.secrets.labSshPublicKey }}
{{- if .gateway }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "LAB_SSH_PRIVATE_KEY") }}
{{- else }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "LAB_SSH_PUBLIC_KEY") }}
{{- end }}
{{- end }}
{{- if and $v.gateway.ssh.enabled .privateKey }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "GATEWAY_SSH_HOST_PUBLIC_KEY") }}
{{- end }}
{{- /* The API also seals its OIDC sign-in cookies with it: every replica needs the same one. */}}
{{- if and .privateKey (or $v.gateway.ssh.enabled $v.oidc.clientId) }}
{{ include "autolabs.secretEnv" (dict "root" .root "name" "INTERNAL_API_SECRET") }}
{{- end }}
# Bearer token for /metrics (every process; workers listen on WORKER_METRICS_PORT only with it); a Secret
# without the key leaves /metrics off (404).
- name: METRICS_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "autolabs.secretName" .root }}
      key: METRICS_TOKEN
      optional: true
- name: WORKER_METRICS_PORT
  value: {{ $v.worker.metricsPort | quote }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Where the platform's pods may run: the nodeSelector and tolerations of the values, when set. */}}
{{- define "autolabs.placement" -}}
{{- $p := dict -}}
{{- with .Values.nodeSelector }}{{ $_ := set $p "nodeSelector" . }}{{ end -}}
{{- with .Values.tolerations }}{{ $_ := set $p "tolerations" . }}{{ end -}}
{{- if $p }}{{ toYaml $p }}{{ end -}}
{{- end -}}

{{- define "autolabs.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}


{{/* Writable scratch space on a read-only root filesystem: /tmp for libraries' temporary files, and AUTOLABS_DATA_DIR. */}}
{{- define "autolabs.scratchMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /var/lib/autolabs
{{- end -}}

{{- define "autolabs.scratchVolumes" -}}
- name: tmp
  emptyDir: {}
- name: data
  emptyDir: {}
{{- end -}}
