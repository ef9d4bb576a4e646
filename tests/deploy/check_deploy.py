#!/usr/bin/env python3
"""Checks deploy/ and the CI workflow against the code they deploy (ctest: `deploy`).

No Docker engine or Kubernetes cluster runs here, so this validates what can be validated:
  * every YAML file parses, and the Kubernetes objects fit together (the Service selects the
    Deployment's pods, the Ingress and the probes name real ports, the HPA scales the
    Deployment, envFrom names the ConfigMap and Secret, resources have requests and limits);
  * every CREMA_ variable they set is a setting of the README, and the real binary accepts
    the manifests' settings: `crema serve` starts with the ConfigMap and the example Secret
    (production mode included), and the liveness, readiness and HEALTHCHECK paths answer 200;
  * the Dockerfile builds with the README's command (scripts/run.sh --build-only), copies the
    binary from where that command puts it, and installs the Debian package of every shared
    library the binary needs;
  * the workflow runs the README's test command and builds deploy/Dockerfile.

usage: check_deploy.py --root REPO --bin PATH/TO/crema
"""

import argparse
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def load_yaml_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def readme_settings(root):
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        return set(re.findall(r"^\| `(CREMA_[A-Z0-9_]+)` \|", f.read(), re.M))


def dockerfile_stages(path):
    """[(stage name, [instructions as (KEYWORD, text)])] with continuation lines joined."""
    stages, lines, cur = [], [], ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not cur and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if line.endswith("\\"):
                cur += line[:-1] + " "
                continue
            lines.append(cur + line)
            cur = ""
    for line in lines:
        keyword, _, rest = line.strip().partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            m = re.search(r"\bAS\s+(\S+)", rest, re.I)
            stages.append((m.group(1) if m else str(len(stages)), [(keyword, rest)]))
        elif stages:
            stages[-1][1].append((keyword, rest))
    return stages


def dockerfile_env(stage):
    env = {}
    for keyword, rest in stage[1]:
        if keyword == "ENV":
            for m in re.finditer(r"(\w+)=(\S+)", rest):
                env[m.group(1)] = m.group(2)
    return env


def needed_packages(binary):
    """Debian packages of the binary's shared libraries (None when dpkg is not there)."""
    if not shutil.which("dpkg-query") or not shutil.which("ldd"):
        return None
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    direct = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True)
    names = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", direct.stdout))
    packages = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if not m or m.group(1) not in names:
            continue
        real = os.path.realpath(m.group(2))
        for candidate in (m.group(2), real, real.replace("/usr/lib/", "/lib/"),
                          real.replace("/lib/", "/usr/lib/", 1)):
            r = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
            if r.returncode == 0:
                packages[m.group(1)] = r.stdout.split(":")[0].strip()
                break
    return packages


def start_server(binary, env, timeout=20):
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + timeout
    buf = ""
    while time.time() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if proc.poll() is not None:
            return proc, None, proc.stderr.read()
        if not ready:
            continue
        line = proc.stdout.readline()
        buf += line
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("msg") == "listening":
            return proc, record["address"], ""
    return proc, None, buf


def http_get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError as e:
        return str(e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--bin", required=True)
    args = ap.parse_args()
    root, binary = args.root, args.bin
    settings = readme_settings(root)
    check(len(settings) > 30, f"README settings table not found ({len(settings)} rows)")

    # --- every YAML file parses --------------------------------------------------------
    k8s_dir = os.path.join(root, "deploy", "k8s")
    yaml_files = [os.path.join(root, "deploy", "compose.yaml")]
    yaml_files += sorted(os.path.join(k8s_dir, f) for f in os.listdir(k8s_dir)
                         if f.endswith(".yaml"))
    wf_dir = os.path.join(root, ".github", "workflows")
    yaml_files += sorted(os.path.join(wf_dir, f) for f in os.listdir(wf_dir)
                         if f.endswith((".yml", ".yaml")))
    docs = {}
    for path in yaml_files:
        try:
            docs[path] = load_yaml_docs(path)
            check(docs[path], f"{path}: empty")
        except yaml.YAMLError as e:
            check(False, f"{path}: not valid YAML: {e}")

    # --- Kubernetes objects fit together -----------------------------------------------
    kustomization = docs.get(os.path.join(k8s_dir, "kustomization.yaml"), [{}])[0]
    listed = set(kustomization.get("resources", []))
    objects = {}
    for path, ds in docs.items():
        if not path.startswith(k8s_dir) or path.endswith("kustomization.yaml"):
            continue
        check(os.path.basename(path) in listed, f"{path} is not in kustomization.yaml")
        for d in ds:
            check("apiVersion" in d and "kind" in d and d.get("metadata", {}).get("name"),
                  f"{path}: an object without apiVersion/kind/metadata.name")
            objects.setdefault(d.get("kind"), []).append(d)
    for name in listed:
        check(os.path.exists(os.path.join(k8s_dir, name)), f"kustomization lists missing {name}")
    for kind in ("Namespace", "ConfigMap", "Secret", "Job", "Deployment", "Service", "Ingress",
                 "HorizontalPodAutoscaler"):
        check(kind in objects, f"no {kind} in deploy/k8s")
    if failures:
        return report()

    deployment = objects["Deployment"][0]
    service = objects["Service"][0]
    ingress = objects["Ingress"][0]
    hpa = objects["HorizontalPodAutoscaler"][0]
    configmap = objects["ConfigMap"][0]
    secret = objects["Secret"][0]
    job = objects["Job"][0]
    pod = deployment["spec"]["template"]
    pod_labels = pod["metadata"]["labels"]
    check(deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(),
          "the Deployment's selector does not match its pod labels")
    check(service["spec"]["selector"].items() <= pod_labels.items(),
          "the Service does not select the Deployment's pods")
    container = pod["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    probes = {}
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        get = container.get(probe, {}).get("httpGet")
        if probe != "startupProbe":
            check(get is not None, f"the Deployment has no HTTP {probe}")
        if get:
            check(get["port"] in ports or get["port"] in ports.values(),
                  f"{probe} names port {get['port']}, not a container port")
            probes[probe] = get["path"]
    check(probes.get("livenessProbe") == "/health", "liveness must be GET /health (SPEC §13)")
    check(probes.get("readinessProbe") == "/ready", "readiness must be GET /ready (SPEC §13)")
    service_ports = {p["name"]: p for p in service["spec"]["ports"]}
    for p in service_ports.values():
        check(p["targetPort"] in ports or p["targetPort"] in ports.values(),
              f"Service port {p['name']} targets {p['targetPort']}, not a container port")
    check(ingress["spec"].get("tls"), "the Ingress has no TLS section")
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            check(backend["name"] == service["metadata"]["name"],
                  f"the Ingress points at Service {backend['name']}")
            port = backend["port"].get("name", backend["port"].get("number"))
            check(port in service_ports or port in [p["port"] for p in service_ports.values()],
                  f"the Ingress names Service port {port}, which the Service lacks")
    target = hpa["spec"]["scaleTargetRef"]
    check(target["kind"] == "Deployment" and target["name"] == deployment["metadata"]["name"],
          "the HPA does not scale the Deployment")
    for workload, spec in (("Deployment", pod["spec"]), ("Job", job["spec"]["template"]["spec"])):
        for c in spec["containers"]:
            res = c.get("resources", {})
            for part in ("requests", "limits"):
                check({"cpu", "memory"} <= set(res.get(part, {})),
                      f"{workload} container {c['name']}: no cpu/memory {part}")
            refs = {k: v["name"] for e in c.get("envFrom", []) for k, v in e.items()}
            check(refs.get("configMapRef") == configmap["metadata"]["name"],
                  f"{workload}: envFrom does not name the ConfigMap")
            check(refs.get("secretRef") == secret["metadata"]["name"],
                  f"{workload}: envFrom does not name the Secret")
    job_args = job["spec"]["template"]["spec"]["containers"][0].get("args", [])
    check(job_args == ["migrate"], f"the migration Job runs {job_args}, not `crema migrate`")
    r = subprocess.run([binary, "migrate", "--help"], capture_output=True, text=True)
    check(r.returncode == 0, "`crema migrate --help` fails: the Job's subcommand is not real")

    # --- every CREMA_ variable is a documented setting --------------------------------
    compose = docs[os.path.join(root, "deploy", "compose.yaml")][0]
    stages = dockerfile_stages(os.path.join(root, "deploy", "Dockerfile"))
    runtime = stages[-1]
    used = {
        "ConfigMap": configmap["data"],
        "Secret": secret["stringData"],
        "compose": compose["services"]["crema"]["environment"],
        "Dockerfile": dockerfile_env(runtime),
    }
    for where, env in used.items():
        for name in env:
            if name.startswith("CREMA_"):
                check(name in settings, f"{where} sets {name}, which the README does not list")
    check(not (set(configmap["data"]) & set(secret["stringData"])),
          "a setting is both in the ConfigMap and in the Secret")

    # --- the Dockerfile builds with the README's command ------------------------------
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    build_runs = " ".join(rest for st in stages[:-1] for kw, rest in st[1] if kw == "RUN")
    check("scripts/run.sh --build-only" in build_runs,
          "the Dockerfile's build stage does not run scripts/run.sh --build-only")
    check("scripts/run.sh --build-only" in readme, "the README does not show --build-only")
    copies = [rest for kw, rest in runtime[1] if kw == "COPY"]
    check(any("build/release/crema" in c for c in copies),
          "the runtime stage does not copy build/release/crema (where run.sh builds it)")
    check(any(kw == "USER" and not rest.startswith(("root", "0")) for kw, rest in runtime[1]),
          "the image does not run as a non-root user")
    healthchecks = [rest for kw, rest in runtime[1] if kw == "HEALTHCHECK"]
    check(healthchecks, "the image has no HEALTHCHECK")
    installed = " ".join(rest for kw, rest in runtime[1] if kw == "RUN")
    packages = needed_packages(binary)
    sanitizers = ("libasan", "libubsan", "liblsan", "libtsan")
    if packages is not None and any(lib.startswith(sanitizers) for lib in packages):
        # A sanitizer (Debug) build links other libraries than the Release binary that
        # ships; the Release configuration's run of this test checks the image's packages.
        print("note: sanitizer build: the runtime-package check is left to the Release run")
        packages = None
    if packages is not None:
        base = {"libc6", "libstdc++6", "libgcc-s1"}
        for lib, package in sorted(packages.items()):
            if package not in base:
                check(re.search(rf"(^|\s){re.escape(package)}(\s|$)", installed),
                      f"the runtime image lacks {package} (for {lib})")
        check(len(packages) >= 8, f"found only {len(packages)} libraries: ldd/dpkg went wrong")

    # --- the workflow runs the README's test command and builds the image -------------
    workflow = docs[os.path.join(wf_dir, "ci.yml")][0]
    steps = [s.get("run", "") for job_ in workflow["jobs"].values()
             for s in job_.get("steps", [])]
    check(any(re.search(r"(^|\s)scripts/test\.sh(\s|$)", s) for s in steps),
          "the workflow does not run scripts/test.sh")
    check(any("docker build -f deploy/Dockerfile" in s for s in steps),
          "the workflow does not build deploy/Dockerfile")

    # --- the real binary accepts the manifests' settings and answers the probes -------
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CREMA_")}
        env.update({k: str(v) for k, v in configmap["data"].items()})
        env.update({k: str(v) for k, v in secret["stringData"].items()})
        # Only what cannot exist here is replaced: the database, Redis and the paths.
        env.pop("CREMA_REDIS_URL", None)
        env.update({
            "CREMA_DATABASE_URL": "sqlite://" + os.path.join(tmp, "crema.db"),
            "CREMA_DATA_DIR": tmp,
            "CREMA_MEDIA_DIR": os.path.join(tmp, "media"),
            "CREMA_LISTEN": "127.0.0.1:0",
        })
        r = subprocess.run([binary, "migrate"], env=env, capture_output=True, text=True)
        check(r.returncode == 0, f"`crema migrate` with the manifests' settings: {r.stderr}")
        check("unknown setting" not in r.stdout + r.stderr,
              f"the binary does not know a manifest setting: {r.stdout}{r.stderr}")
        proc, address, err = start_server(binary, env)
        try:
            if check(address, f"`crema serve` with the ConfigMap and Secret did not start: {err}"):
                paths = list(probes.values())
                m = re.search(r"http://[^/\s]+(/\S*)", healthchecks[0] if healthchecks else "")
                if m:
                    paths.append(m.group(1))
                for path in paths:
                    status = http_get(f"http://{address}{path}")
                    check(status == 200, f"GET {path} (a probe) answered {status}, not 200")
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    code = proc.wait(timeout=30)
                    check(code == 0, f"`crema serve` exited {code} on SIGTERM")
                except subprocess.TimeoutExpired:
                    proc.kill()
                    check(False, "`crema serve` did not exit within 30 s of SIGTERM")
    return report()


def report():
    for f in failures:
        print("FAIL:", f)
    if failures:
        print(f"{len(failures)} problem(s) in deploy/ or the workflow")
        return 1
    print("deploy/ and the CI workflow: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
