{{/*
Names and labels. Every template takes a dict: root (the umbrella's context), name (the service),
svc (its values under .Values.services.<name>).
*/}}
{{- define "ringback-lib.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ringback-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "ringback-lib.labels" -}}
{{ include "ringback-lib.selectorLabels" . }}
app.kubernetes.io/part-of: ringback
app.kubernetes.io/component: {{ .name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "ringback-lib.image" -}}
{{- $g := .root.Values.global.image -}}
{{- $i := .svc.image | default dict -}}
{{- $repo := $i.repository | default (printf "%s/ringback-%s" $g.registry .name) -}}
{{- $tag := $i.tag | default $g.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}

{{/* A variable from an existing Secret; the chart never holds secret values itself. */}}
{{- define "ringback-lib.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "%s: the name of an existing Secret is required" .env) .ref.existingSecret }}
      key: {{ required (printf "%s: the key in Secret %s is required" .env .ref.existingSecret) .ref.key }}
{{- end -}}

{{/* The environment of one service: what the config schema (libs/platform/config) reads. */}}
{{- define "ringback-lib.env" -}}
{{- $g := .root.Values.global -}}
- name: NODE_ENV
  value: {{ $g.nodeEnv | quote }}
- name: MODE
  value: distributed
- name: SERVICE_NAME
  value: {{ .name | quote }}
- name: HOST
  value: "0.0.0.0"
- name: PORT
  value: {{ $g.port | quote }}
- name: DATA_DIR
  value: /data
- name: PUBLIC_BASE_URL
  value: {{ required "global.publicBaseUrl is required" $g.publicBaseUrl | quote }}
- name: LOG_LEVEL
  value: {{ $g.logLevel | quote }}
- name: KAFKA_BROKERS
  value: {{ required "global.kafka.brokers is required" $g.kafka.brokers | quote }}
- name: KAFKA_CLIENT_ID
  value: {{ .name | quote }}
- name: KAFKA_TOPIC_PARTITIONS
  value: {{ $g.kafka.topicPartitions | quote }}
{{- with $g.kafka.namespace }}
- name: KAFKA_NAMESPACE
  value: {{ . | quote }}
{{- end }}
- name: EVENT_STORE
  value: kurrentdb
{{ include "ringback-lib.secretEnv" (dict "env" "KURRENTDB_URL" "ref" $g.kurrentdb.connectionString) }}
{{ include "ringback-lib.secretEnv" (dict "env" "MONGO_URL" "ref" $g.mongodb.connectionString) }}
{{- if $g.auth.jwksUrl }}
- name: AUTH_JWKS_URL
  value: {{ $g.auth.jwksUrl | quote }}
{{- else }}
{{ include "ringback-lib.secretEnv" (dict "env" "AUTH_JWT_SECRET" "ref" $g.auth.jwtSecret) }}
{{- end }}
{{ include "ringback-lib.secretEnv" (dict "env" "INGEST_WEBHOOK_SECRET" "ref" $g.ingest.webhookSecret) }}
{{ include "ringback-lib.secretEnv" (dict "env" "PHI_MASTER_KEY" "ref" $g.phi.masterKey) }}
- name: PHI_KEY_STORE_PATH
  value: /var/lib/ringback-phi/phi-keys.sqlite
- name: PHI_CONTENT_RETENTION_DAYS
  value: {{ $g.phi.contentRetentionDays | quote }}
{{- if $g.twilio.authToken.existingSecret }}
{{ include "ringback-lib.secretEnv" (dict "env" "TWILIO_AUTH_TOKEN" "ref" $g.twilio.authToken) }}
{{- end }}
{{- with $g.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: SHUTDOWN_DRAIN_MS
  value: {{ $g.shutdownDrainMs | quote }}
{{- range $k, $v := merge (deepCopy (.svc.env | default dict)) ($g.env | default dict) }}
- name: {{ $k }}
  value: {{ $v | quote }}
{{- end }}
{{- end -}}
