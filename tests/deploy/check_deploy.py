#!/usr/bin/env python3
"""Checks deploy/ and the CI workflow against the code they deploy (ctest: `deploy`).

No Docker engine or Kubernetes cluster runs here, so this validates what can be validated:
  * every YAML file parses, and the Kubernetes objects fit together (the Service selects the
    Deployment's pods, the Ingress and the probes name real ports, the HPA scales the
    Deployment, envFrom names the ConfigMap and Secret, resources have requests and limits);
  * every CREMA_ variable they set is a setting of the README, and the real binary accepts
    the manifests' settings: `crema serve` in production refuses the example Secret's
    placeholder values (secret.env.example), starts with the ConfigMap and real random
    secrets, the liveness, readiness and HEALTHCHECK paths answer 200, and /metrics is
    served on the metrics listener only (the public port answers 404);
  * no placeholder secret is applied: the Secret is generated from secret.env, which git
    ignores, and no manifest holds a CHANGE-ME value; the Prometheus annotations name the
    metrics port, which the Service (and so the Ingress) does not expose;
  * the systemd unit creates files readable by the service alone (UMask=0077);
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
import secrets as random_secrets
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
    """(process, public address, metrics address or None, error text)."""
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + timeout
    buf = ""
    metrics = None
    while time.time() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if proc.poll() is not None:
            return proc, None, None, proc.stderr.read()
        if not ready:
            continue
        line = proc.stdout.readline()
        buf += line
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("msg") == "metrics listening":
            metrics = record["address"]
        if record.get("msg") == "listening":
            return proc, record["address"], metrics, ""
    return proc, None, metrics, buf


def read_env_file(path):
    """KEY=VALUE lines (comments and blank lines skipped), as kustomize's envs read them."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


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
    for kind in ("Namespace", "ConfigMap", "Job", "Deployment", "Service", "Ingress",
                 "HorizontalPodAutoscaler"):
        check(kind in objects, f"no {kind} in deploy/k8s")
    # The Secret: generated from secret.env (git-ignored), never a manifest with values.
    check("Secret" not in objects,
          "a Secret manifest is applied by kustomization.yaml: its values would be committed")
    generators = kustomization.get("secretGenerator", [])
    check(len(generators) == 1 and generators[0].get("envs") == ["secret.env"],
          "kustomization.yaml must generate the Secret from secret.env")
    example_path = os.path.join(k8s_dir, "secret.env.example")
    check(os.path.exists(example_path), "deploy/k8s/secret.env.example is missing")
    with open(os.path.join(root, ".gitignore"), encoding="utf-8") as f:
        check("/deploy/k8s/secret.env" in f.read().split(),
              ".gitignore does not keep deploy/k8s/secret.env out of git")
    for path in docs:
        if path.startswith(k8s_dir):
            with open(path, encoding="utf-8") as f:
                check("CHANGE-ME" not in f.read(), f"{path} holds a CHANGE-ME placeholder")
    if failures:
        return report()

    deployment = objects["Deployment"][0]
    service = objects["Service"][0]
    ingress = objects["Ingress"][0]
    hpa = objects["HorizontalPodAutoscaler"][0]
    configmap = objects["ConfigMap"][0]
    secret_name = generators[0]["name"]
    example_secret = read_env_file(example_path)
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
            check(refs.get("secretRef") == secret_name,
                  f"{workload}: envFrom does not name the generated Secret {secret_name}")
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
        "Secret": example_secret,
        "compose": compose["services"]["crema"]["environment"],
        "Dockerfile": dockerfile_env(runtime),
    }
    for where, env in used.items():
        for name in env:
            if name.startswith("CREMA_"):
                check(name in settings, f"{where} sets {name}, which the README does not list")
    check(not (set(configmap["data"]) & set(example_secret)),
          "a setting is both in the ConfigMap and in the Secret")

    # --- /metrics: a port of its own, scraped by Prometheus, never behind the Ingress ----
    annotations = pod["metadata"].get("annotations", {})
    metrics_listen = str(configmap["data"].get("CREMA_METRICS_LISTEN", ""))
    check(metrics_listen or "CREMA_METRICS_TOKEN" in example_secret,
          "production needs CREMA_METRICS_LISTEN or CREMA_METRICS_TOKEN (SPEC §13)")
    if metrics_listen:
        metrics_port = int(metrics_listen.rsplit(":", 1)[1])
        check(ports.get("metrics") == metrics_port,
              f"the container does not name port {metrics_port} (CREMA_METRICS_LISTEN) metrics")
        check(str(annotations.get("prometheus.io/port")) == str(metrics_port),
              "the Prometheus scrape annotation does not name the metrics port")
        check(annotations.get("prometheus.io/path") == "/metrics",
              "the Prometheus scrape annotation does not name /metrics")
        for p in service["spec"]["ports"]:
            check(p["targetPort"] not in ("metrics", metrics_port),
                  "the Service exposes the metrics port (the Ingress could reach /metrics)")

    # --- the systemd unit --------------------------------------------------------------
    with open(os.path.join(root, "deploy", "systemd", "crema.service"), encoding="utf-8") as f:
        unit = f.read()
    check(re.search(r"^UMask=0077$", unit, re.M),
          "the systemd unit does not set UMask=0077 (database and backups readable by others)")

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
        env.update(example_secret)
        # Only what cannot exist here is replaced: the database, Redis, the paths, ports.
        env.pop("CREMA_REDIS_URL", None)
        env.update({
            "CREMA_DATABASE_URL": "sqlite://" + os.path.join(tmp, "crema.db"),
            "CREMA_DATA_DIR": tmp,
            "CREMA_MEDIA_DIR": os.path.join(tmp, "media"),
            "CREMA_LISTEN": "127.0.0.1:0",
        })
        if "CREMA_METRICS_LISTEN" in env:
            env["CREMA_METRICS_LISTEN"] = "127.0.0.1:0"
        r = subprocess.run([binary, "migrate"], env=env, capture_output=True, text=True)
        check(r.returncode == 0, f"`crema migrate` with the manifests' settings: {r.stderr}")
        check("unknown setting" not in r.stdout + r.stderr,
              f"the binary does not know a manifest setting: {r.stdout}{r.stderr}")
        # The example's placeholders are refused in production…
        proc, address, _, err = start_server(binary, env)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        check(address is None and proc.returncode not in (0, None),
              "`crema serve` in production started with the example Secret's placeholders")
        check("CREMA_" in err, f"the refusal does not name the setting: {err}")
        # …real random secrets are accepted.
        env.update({
            "CREMA_JWT_SECRET": random_secrets.token_urlsafe(48),
            "CREMA_DATA_KEY": random_secrets.token_hex(32),
        })
        proc, address, metrics_address, err = start_server(binary, env)
        try:
            if check(address, f"`crema serve` with the ConfigMap and Secret did not start: {err}"):
                paths = list(probes.values())
                m = re.search(r"http://[^/\s]+(/\S*)", healthchecks[0] if healthchecks else "")
                if m:
                    paths.append(m.group(1))
                for path in paths:
                    status = http_get(f"http://{address}{path}")
                    check(status == 200, f"GET {path} (a probe) answered {status}, not 200")
                if "CREMA_METRICS_LISTEN" in env:
                    status = http_get(f"http://{address}/metrics")
                    check(status == 404, f"the public port answers /metrics with {status}")
                    if check(metrics_address, "no \"metrics listening\" line"):
                        status = http_get(f"http://{metrics_address}/metrics")
                        check(status == 200, f"the metrics port answers /metrics with {status}")
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
