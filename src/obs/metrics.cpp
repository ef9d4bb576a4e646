#include "obs/metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <prometheus/text_serializer.h>

namespace crema::obs {

namespace {

const prometheus::Histogram::BucketBoundaries& duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

struct ProcessSample {
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double cpu_seconds = 0;
  double start_time = 0;
};

// Reads /proc/self/stat: utime, stime, starttime (clock ticks), vsize, rss (pages).
ProcessSample sample_process() {
  ProcessSample s;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return s;
  auto close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream fields(line.substr(close + 2));
  std::vector<std::string> f;
  for (std::string x; fields >> x;) f.push_back(x);
  // f[0] is field 3 (state); field N is f[N - 3].
  if (f.size() < 22) return s;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  s.cpu_seconds = (std::stod(f[14 - 3]) + std::stod(f[15 - 3])) / ticks;
  s.virtual_bytes = std::stod(f[23 - 3]);
  s.resident_bytes = std::stod(f[24 - 3]) * page;
  // Boot time + starttime gives the process start in epoch seconds.
  std::ifstream stat("/proc/stat");
  for (std::string l; std::getline(stat, l);) {
    if (l.rfind("btime ", 0) == 0) {
      s.start_time = std::stod(l.substr(6)) + std::stod(f[22 - 3]) / ticks;
      break;
    }
  }
  return s;
}

double count_open_fds() {
  double n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
    n -= 3;  // ".", ".." and the directory handle itself
  }
  return n;
}

struct RequestSeries {
  prometheus::Counter* count;
  prometheus::Histogram* duration;
};

struct SeriesKey {
  const void* route;
  std::string method;
  int status;
  bool operator==(const SeriesKey&) const = default;
};

struct SeriesKeyHash {
  std::size_t operator()(const SeriesKey& k) const noexcept {
    return std::hash<const void*>()(k.route) ^ (std::hash<std::string>()(k.method) << 1) ^
           (static_cast<std::size_t>(k.status) << 7);
  }
};

}  // namespace

namespace {
std::atomic<std::uint64_t> g_next_serial{1};
}

Metrics::Metrics()
    : serial_(g_next_serial.fetch_add(1)), registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("http_requests_total")
                   .Help("HTTP requests answered, by route template, method and status")
                   .Register(*registry_);
  durations_ = &prometheus::BuildHistogram()
                    .Name("http_request_duration_seconds")
                    .Help("Time from a request's headers to its response, by route, method, status")
                    .Register(*registry_);
  in_flight_ = &prometheus::BuildGauge()
                    .Name("http_requests_in_flight")
                    .Help("Requests being handled now")
                    .Register(*registry_)
                    .Add({});
  resident_memory_ = &prometheus::BuildGauge()
                          .Name("process_resident_memory_bytes")
                          .Help("Resident memory size in bytes")
                          .Register(*registry_)
                          .Add({});
  virtual_memory_ = &prometheus::BuildGauge()
                         .Name("process_virtual_memory_bytes")
                         .Help("Virtual memory size in bytes")
                         .Register(*registry_)
                         .Add({});
  cpu_seconds_ = &prometheus::BuildCounter()
                      .Name("process_cpu_seconds_total")
                      .Help("User and system CPU time spent, in seconds")
                      .Register(*registry_)
                      .Add({});
  open_fds_ = &prometheus::BuildGauge()
                   .Name("process_open_fds")
                   .Help("Open file descriptors")
                   .Register(*registry_)
                   .Add({});
  start_time_ = &prometheus::BuildGauge()
                     .Name("process_start_time_seconds")
                     .Help("Start time of the process since the Unix epoch, in seconds")
                     .Register(*registry_)
                     .Add({});
}

void Metrics::observe_request(const void* route_key, std::string_view route,
                              std::string_view method, int status, double seconds) {
  // Family::Add takes a lock and hashes the labels; keep the series per thread instead.
  // Keyed by the instance's serial, not its address: a new Metrics may reuse a freed one's.
  thread_local std::unordered_map<SeriesKey, RequestSeries, SeriesKeyHash> cache;
  thread_local std::uint64_t cache_owner = 0;
  if (cache_owner != serial_) {
    cache.clear();
    cache_owner = serial_;
  }
  SeriesKey key{route_key, std::string(method), status};
  auto it = cache.find(key);
  if (it == cache.end()) {
    const std::map<std::string, std::string> labels = {{"route", std::string(route)},
                                                       {"method", std::string(method)},
                                                       {"status", std::to_string(status)}};
    RequestSeries series{&requests_->Add(labels), &durations_->Add(labels, duration_buckets())};
    it = cache.emplace(std::move(key), series).first;
  }
  it->second.count->Increment();
  it->second.duration->Observe(seconds);
}

void Metrics::add_sampled_gauge(const std::string& name, const std::string& help,
                                std::function<double()> sample) {
  auto& gauge = prometheus::BuildGauge().Name(name).Help(help).Register(*registry_).Add({});
  std::lock_guard lock(sampled_mutex_);
  sampled_.push_back({&gauge, std::move(sample)});
}

void Metrics::add_sampled_counter(const std::string& name, const std::string& help,
                                  std::function<double()> sample) {
  auto& counter = prometheus::BuildCounter().Name(name).Help(help).Register(*registry_).Add({});
  std::lock_guard lock(sampled_mutex_);
  sampled_counters_.push_back({&counter, std::move(sample)});
}

std::string Metrics::render() {
  std::lock_guard lock(render_mutex_);
  const auto p = sample_process();
  resident_memory_->Set(p.resident_bytes);
  virtual_memory_->Set(p.virtual_bytes);
  // A counter only goes up: add what was spent since the last scrape.
  if (p.cpu_seconds > cpu_seconds_->Value())
    cpu_seconds_->Increment(p.cpu_seconds - cpu_seconds_->Value());
  start_time_->Set(p.start_time);
  open_fds_->Set(count_open_fds());
  {
    std::lock_guard sl(sampled_mutex_);
    for (auto& s : sampled_) s.gauge->Set(s.sample());
    for (auto& s : sampled_counters_) {
      const double total = s.sample();
      if (total > s.counter->Value()) s.counter->Increment(total - s.counter->Value());
    }
  }
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace crema::obs
