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

{{- define "cometchat-sidecar.appNames" -}}
{{- $names := list -}}
{{- range .Values.apps -}}{{- $names = append $names (required "every entry of apps needs a name" .name) -}}{{- end -}}
{{- join "," $names -}}
{{- end -}}

{{- define "cometchat-sidecar.tcpCredentialsSecretName" -}}
{{- .Values.secrets.existingTcpCredentialsSecret | default (printf "%s-tcp-credentials" (include "cometchat-sidecar.fullname" .)) -}}
{{- end -}}

{{- /* "tcp" for an app that calls over TCP with a credential, else "socket". */ -}}
{{- define "cometchat-sidecar.transport" -}}
{{- $transport := .transport | default "socket" -}}
{{- if not (has $transport (list "socket" "tcp")) -}}
{{- fail (printf "apps[%s].transport must be socket or tcp, not %s" .name $transport) -}}
{{- end -}}
{{- $transport -}}
{{- end -}}

{{- define "cometchat-sidecar.socketApps" -}}
{{- $names := list -}}
{{- range .Values.apps -}}{{- if eq (include "cometchat-sidecar.transport" .) "socket" -}}{{- $names = append $names .name -}}{{- end -}}{{- end -}}
{{- join "," $names -}}
{{- end -}}

{{- /* Non-empty when some app uses TCP. */ -}}
{{- define "cometchat-sidecar.hasTcp" -}}
{{- range .Values.apps -}}{{- if eq (include "cometchat-sidecar.transport" .) "tcp" -}}tcp{{- end -}}{{- end -}}
{{- end -}}
