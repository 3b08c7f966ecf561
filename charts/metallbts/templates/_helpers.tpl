{{/* Names, labels and the pod parts the controller and the speaker share (plugins, /tmp, pod hygiene). */}}
{{- define "metallbts.name" -}}metallbts{{- end -}}
{{- define "metallbts.image" -}}{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}{{- end -}}
{{- define "metallbts.labels" -}}
app.kubernetes.io/name: metallbts
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of a component; call with (list $ "controller"). */}}
{{- define "metallbts.selectorLabels" -}}
app.kubernetes.io/name: metallbts
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Secret names the components may read: the memberlist Secret, and for the speaker the BGP password and plugin Secrets. */}}
{{- define "metallbts.secretNames" -}}
{{- $ctx := index . 0 -}}
{{- $names := list $ctx.Values.speaker.memberlist.secretName -}}
{{- if eq (index . 1) "speaker" -}}
{{- $names = concat $names $ctx.Values.speaker.bgpPasswordSecrets -}}
{{- range $ctx.Values.speaker.plugins }}{{ $names = concat $names (default list .secrets) }}{{ end -}}
{{- $names = uniq $names -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}

{{/* Volume name of a plugin. */}}
{{- define "metallbts.pluginVolume" -}}plugin-{{ .name }}{{- end -}}

{{/* Init containers copying each plugin package from its image into its own emptyDir. */}}
{{- define "metallbts.pluginInitContainers" -}}
{{- range .Values.speaker.plugins }}
- name: {{ include "metallbts.pluginVolume" . }}
  image: {{ .image }}
  imagePullPolicy: {{ $.Values.image.pullPolicy }}
  command: [cp, -R, {{ printf "%s/." (default "/plugin" .path) | quote }}, {{ printf "/plugins/node_modules/%s/" .module | quote }}]
  securityContext:
    runAsNonRoot: true
    runAsUser: 65534
    runAsGroup: 65534
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities: { drop: [ALL] }
  volumeMounts:
    - name: {{ include "metallbts.pluginVolume" . }}
      mountPath: /plugins/node_modules/{{ .module }}
{{- end }}
{{- end -}}

{{/* The main container's mounts: /tmp and each plugin (read-only). */}}
{{- define "metallbts.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- range .Values.speaker.plugins }}
- name: {{ include "metallbts.pluginVolume" . }}
  mountPath: /plugins/node_modules/{{ .module }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "metallbts.volumes" -}}
- name: tmp
  emptyDir: { sizeLimit: 64Mi }
{{- range .Values.speaker.plugins }}
- name: {{ include "metallbts.pluginVolume" . }}
  emptyDir: { sizeLimit: 256Mi }
{{- end }}
{{- end -}}

{{/* Env both components share: log level, where plugins resolve, and the plugins' options. */}}
{{- define "metallbts.commonEnv" -}}
- name: METALLBTS_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- with .Values.speaker.plugins }}
- name: NODE_PATH
  value: /plugins/node_modules
- name: METALLBTS_PLUGIN_OPTIONS
  value: {{ include "metallbts.pluginOptions" $ | quote }}
{{- end }}
{{- end -}}

{{/* [{module, options, protocol?, secrets?}] per plugin: the components key the options by the protocol the module registers. */}}
{{- define "metallbts.pluginOptions" -}}
{{- $out := list -}}
{{- range .Values.speaker.plugins -}}
{{- $entry := dict "module" .module "options" (default dict .options) -}}
{{- with .protocol }}{{ $_ := set $entry "protocol" . }}{{ end -}}
{{- with .secrets }}{{ $_ := set $entry "secrets" . }}{{ end -}}
{{- $out = append $out $entry -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
