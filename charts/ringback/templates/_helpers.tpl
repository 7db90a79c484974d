{{- define "ringback.services" -}}
{{- range $name, $svc := .Values.services }}{{ if $svc.enabled }}{{ $name }} {{ end }}{{ end -}}
{{- end -}}
