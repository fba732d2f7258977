"""Validates the deployment manifests against the published Kubernetes
schemas bundled in the kubernetes-validate package (pinned in
serve/tests/requirements.txt), strictly: unknown fields are errors.

    python validate.py [--k8s-version 1.37.0] FILE...

Kubernetes kinds (Deployment, Service, ...) are validated whole. KServe's
custom resources have no schema in that package: their Kubernetes parts --
the ClusterServingRuntime's containers, which KServe copies into the
predictor pod -- are validated as the containers of a Pod, and their
apiVersion and kind are checked against the ones this server documents.
Prints one line per resource and "N passed, M failed"; exits 1 on failure.
"""

import argparse
import sys

import kubernetes_validate
import yaml

KSERVE = {("serving.kserve.io/v1alpha1", "ClusterServingRuntime"),
          ("serving.kserve.io/v1alpha1", "ServingRuntime"),
          ("serving.kserve.io/v1beta1", "InferenceService")}


def check(doc, version):
    api, kind = doc.get("apiVersion"), doc.get("kind")
    if api and api.startswith("serving.kserve.io/"):
        if (api, kind) not in KSERVE:
            raise ValueError(f"unknown KServe resource {api} {kind}")
        if kind.endswith("ServingRuntime"):
            pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "runtime"},
                   "spec": {"containers": doc["spec"]["containers"]}}
            kubernetes_validate.validate(pod, version, strict=True)
        return
    kubernetes_validate.validate(doc, version, strict=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--k8s-version", default="1.37.0")
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    passed = failed = 0
    for f in a.files:
        with open(f) as fh:
            docs = [d for d in yaml.safe_load_all(fh) if d]
        for d in docs:
            what = f"{f}: {d.get('kind')} {d.get('metadata', {}).get('name')}"
            try:
                check(d, a.k8s_version)
                print(f"ok   {what}")
                passed += 1
            except Exception as e:  # ValidationError and friends: report them all
                print(f"FAIL {what}: {e}")
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
