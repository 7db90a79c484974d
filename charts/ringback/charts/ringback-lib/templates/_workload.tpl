{{/*
Everything one service needs: Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget,
NetworkPolicy and (optionally) ServiceMonitor. Call with (dict "root" $ "name" "<service>" "svc" <values>).
*/}}
{{- define "ringback-lib.workload" -}}
{{- $g := .root.Values.global -}}
{{- $svc := .svc -}}
{{- $full := include "ringback-lib.fullname" . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $full }}
  labels:
    {{- include "ringback-lib.labels" . | nindent 4 }}
spec:
  {{- if not $svc.autoscaling.enabled }}
  replicas: {{ $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  selector:
    matchLabels:
      {{- include "ringback-lib.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "ringback-lib.labels" . | nindent 8 }}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $g.port | quote }}
        prometheus.io/path: /metrics
        {{- with $g.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      automountServiceAccountToken: false
      {{- with $g.image.pullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      # Longer than the drain (SHUTDOWN_DRAIN_MS) plus consumers and sockets closing.
      terminationGracePeriodSeconds: {{ $g.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $g.podSecurityContext | nindent 8 }}
      {{- with $svc.topologySpread | default $g.topologySpread }}
      topologySpreadConstraints:
        {{- range . }}
        - maxSkew: {{ .maxSkew }}
          topologyKey: {{ .topologyKey }}
          whenUnsatisfiable: {{ .whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "ringback-lib.selectorLabels" $ | nindent 14 }}
        {{- end }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: {{ include "ringback-lib.image" . }}
          imagePullPolicy: {{ $g.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $g.port }}
              protocol: TCP
          env:
            {{- include "ringback-lib.env" . | nindent 12 }}
          resources:
            {{- toYaml (required (printf "services.%s.resources is required" .name) $svc.resources) | nindent 12 }}
          securityContext:
            {{- toYaml $g.containerSecurityContext | nindent 12 }}
          startupProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          volumeMounts:
            - { name: tmp, mountPath: /tmp }
            - { name: data, mountPath: /data }
            - { name: phi-keys, mountPath: /var/lib/ringback-phi }
      volumes:
        # The root filesystem is read-only: tsx's compile cache goes to /tmp, DATA_DIR (the reminders
        # outbox with MESSAGE_CHANNEL=outbox) to /data.
        - name: tmp
          emptyDir: { sizeLimit: 256Mi }
        - name: data
          emptyDir: { sizeLimit: 1Gi }
        # The embedded PHI key store: one file every process shares (a ReadWriteMany claim), until a
        # KMS adapter replaces it (SECURITY.md).
        - name: phi-keys
          persistentVolumeClaim: { claimName: {{ $g.phi.keyStore.existingClaim | quote }} }
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $full }}
  labels:
    {{- include "ringback-lib.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "ringback-lib.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
{{- if $svc.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $full }}
  labels:
    {{- include "ringback-lib.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $full }}
  minReplicas: {{ $svc.autoscaling.minReplicas }}
  maxReplicas: {{ $svc.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $svc.autoscaling.targetCPUUtilizationPercentage }}
    {{- if and $svc.autoscaling.consumerLag $svc.autoscaling.consumerLag.enabled }}
    # ringback_bus_consumer_lag through an external-metrics adapter (prometheus-adapter, KEDA).
    - type: External
      external:
        metric:
          name: {{ $svc.autoscaling.consumerLag.metricName }}
          selector:
            matchLabels:
              service: {{ .name }}
        target:
          type: AverageValue
          averageValue: {{ $svc.autoscaling.consumerLag.averageValue | quote }}
    {{- end }}
{{- end }}
{{- if $svc.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $full }}
  labels:
    {{- include "ringback-lib.labels" . | nindent 4 }}
spec:
  {{- if hasKey $svc.pdb "maxUnavailable" }}
  maxUnavailable: {{ $svc.pdb.maxUnavailable }}
  {{- else }}
  minAvailable: {{ $svc.pdb.minAvailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "ringback-lib.selectorLabels" . | nindent 6 }}
{{- end }}
{{- if $g.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $full }}
  labels:
    {{- include "ringback-lib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "ringback-lib.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    # HTTP from the ingress controller and Prometheus only.
    - from:
        {{- toYaml $g.networkPolicy.ingressFrom | nindent 8 }}
      ports:
        - { port: http, protocol: TCP }
  egress:
    # DNS, then Kafka, KurrentDB, MongoDB and the collector (and Twilio/JWKS when configured).
    - to:
        - namespaceSelector: {}
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - { port: 53, protocol: UDP }
        - { port: 53, protocol: TCP }
    {{- range $g.networkPolicy.egress }}
    - {{- toYaml . | nindent 6 }}
    {{- end }}
{{- end }}
{{- if $g.serviceMonitor.enabled }}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ $full }}
  labels:
    {{- include "ringback-lib.labels" . | nindent 4 }}
    {{- with $g.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "ringback-lib.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ $g.serviceMonitor.interval }}
      scrapeTimeout: {{ $g.serviceMonitor.scrapeTimeout }}
{{- end }}
{{- end -}}
