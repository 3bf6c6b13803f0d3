{{- define "cometchat-sidecar.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cometchat-sidecar.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cometchat-sidecar.labels" -}}
{{ include "cometchat-sidecar.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "cometchat-sidecar.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "cometchat-sidecar.fullname" .) -}}
{{- end -}}

{{- define "cometchat-sidecar.appsSecretName" -}}
{{- .Values.secrets.existingAppsSecret | default (printf "%s-apps" (include "cometchat-sidecar.fullname" .)) -}}
{{- end -}}

{{- define "cometchat-sidecar.appNames" -}}
{{- $names := list -}}
{{- range .Values.apps -}}{{- $names = append $names (required "every entry of apps needs a name" .name) -}}{{- end -}}
{{- join "," $names -}}
{{- end -}}
