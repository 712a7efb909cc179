// The Kubernetes objects of a k6-operator run, as plain data (pure: no I/O): the TestRun
// (k6.io/v1alpha1, parallelism N) running a `k6 archive` of the bundled scenario from a ConfigMap,
// with stock grafana/k6 runners writing their raw samples (gzipped k6 CSV) to a shared results
// claim, one file per runner pod; and a reader pod that mounts the claim so `kubectl cp` can
// collect the files for `loadlab merge`. deploy/check decodes all of them strictly.
import { stringify } from 'yaml';

export const ARCHIVE_KEY = 'archive.tar';
export const RESULTS_MOUNT = '/results';
/** Same system tags as the harness's own k6 runs (load/lib/k6.ts), so CSVs read the same. */
export const SYSTEM_TAGS = 'status,method,name,scenario,expected_response,error_code';

export interface OperatorRunSpec {
  name: string;
  namespace: string;
  instances: number;
  /** grafana/k6:<version> — the version that made the archive. */
  image: string;
  runId: string;
  archive: Buffer;
  /** VUs of the whole run, for the runners' memory requests (k6 budget: 2 MB per VU). */
  vus: number;
  /** Secret holding the API token (key API_TOKEN), created with kubectl, never written here. */
  tokenSecret: string;
  resultsStorage: string;
}

export const names = (s: Pick<OperatorRunSpec, 'name'>) => ({
  configMap: `${s.name}-archive`,
  claim: `${s.name}-results`,
  reader: `${s.name}-results-reader`,
});

const MB_PER_VU = 2;

export function operatorObjects(s: OperatorRunSpec): Record<string, Record<string, unknown>> {
  const n = names(s);
  const meta = (name: string) => ({ name, namespace: s.namespace, labels: { 'app.kubernetes.io/part-of': 'loadlab', 'loadlab.run': s.runId } });
  const vusPerRunner = Math.ceil(s.vus / s.instances);
  const memoryMi = Math.max(256, Math.ceil(vusPerRunner * MB_PER_VU + 128));
  const results = { name: 'results', persistentVolumeClaim: { claimName: n.claim } };
  return {
    'configmap.yaml': {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(n.configMap),
      binaryData: { [ARCHIVE_KEY]: s.archive.toString('base64') },
    },
    'results-pvc.yaml': {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta(n.claim),
      // Runner pods may land on different nodes and all write here: ReadWriteMany.
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: s.resultsStorage } } },
    },
    'testrun.yaml': {
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: meta(s.name),
      spec: {
        parallelism: s.instances,
        separate: false,
        script: { configMap: { name: n.configMap, file: ARCHIVE_KEY } },
        // k6-operator adds --execution-segment/-sequence, --paused (its starter resumes all runners
        // together), --tag instance_id=<i> and --tag testrun_name=<name> to every runner.
        arguments: [
          `--out csv=${RESULTS_MOUNT}/$(POD_NAME).csv.gz`,
          `--tag loadlab_run=${s.runId}`,
          `--system-tags ${SYSTEM_TAGS}`,
          `-e SUMMARY_FILE=${RESULTS_MOUNT}/$(POD_NAME).k6-summary.json`,
        ].join(' '),
        runner: {
          image: s.image,
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: s.tokenSecret, key: 'API_TOKEN' } } },
            { name: 'K6_CSV_TIME_FORMAT', value: 'unix_milli' },
            { name: 'K6_NO_USAGE_REPORT', value: 'true' },
          ],
          resources: { requests: { cpu: '1', memory: `${memoryMi}Mi` }, limits: { memory: `${2 * memoryMi}Mi` } },
          volumes: [results],
          volumeMounts: [{ name: 'results', mountPath: RESULTS_MOUNT }],
        },
      },
    },
    'results-reader.yaml': {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta(n.reader),
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'reader',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'sleep 3600'],
            volumeMounts: [{ name: 'results', mountPath: RESULTS_MOUNT, readOnly: true }],
          },
        ],
        volumes: [results],
      },
    },
  };
}

export function toYaml(o: Record<string, unknown>): string {
  return stringify(o, { lineWidth: 0 });
}

/** The kubectl steps of a run, in order (also written to steps.txt). */
export function operatorSteps(s: Pick<OperatorRunSpec, 'name' | 'namespace' | 'tokenSecret'>, outDir: string): string[] {
  const n = names(s);
  const ns = `-n ${s.namespace}`;
  return [
    `kubectl ${ns} create secret generic ${s.tokenSecret} --from-literal=API_TOKEN=<the API's bearer token>`,
    `kubectl ${ns} apply -f ${outDir}/configmap.yaml -f ${outDir}/results-pvc.yaml`,
    `kubectl ${ns} apply -f ${outDir}/testrun.yaml`,
    `kubectl ${ns} wait testrun/${s.name} --for=jsonpath='{.status.stage}'=finished --timeout=2h`,
    `kubectl ${ns} apply -f ${outDir}/results-reader.yaml && kubectl ${ns} wait pod/${n.reader} --for=condition=Ready`,
    `kubectl cp ${s.namespace}/${n.reader}:${RESULTS_MOUNT} ${outDir}/results`,
    `loadlab merge ${outDir}/results --target <the API's URL as seen from here, to verify acknowledged writes>`,
    `kubectl ${ns} delete -f ${outDir}/testrun.yaml -f ${outDir}/results-reader.yaml`,
  ];
}
