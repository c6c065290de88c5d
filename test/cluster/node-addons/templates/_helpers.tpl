{{/* Pods of the add-ons run only on the real node, whose taint keeps every other workload off it. */}}
{{- define "node-addons.placement" -}}
nodeSelector:
  kubernetes.io/hostname: {{ .Values.nodeName }}
tolerations:
  - operator: Exists
{{- end -}}
