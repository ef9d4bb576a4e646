#pragma once
/// The Prometheus registry and the metrics of SPEC §13, served by GET /metrics.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace crema::obs {

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// The registry later features add their metrics to (orders_created_total, …).
  prometheus::Registry& registry() noexcept { return *registry_; }

  /// Counts one finished request. `route_key` identifies the route template cheaply (its
  /// address); `route` is its label ("unmatched" for paths no route matched).
  void observe_request(const void* route_key, std::string_view route, std::string_view method,
                       int status, double seconds);

  prometheus::Gauge& in_flight() noexcept { return *in_flight_; }

  /// A gauge whose value is read at scrape time (db_pool_in_use, outbox_backlog, …).
  void add_sampled_gauge(const std::string& name, const std::string& help,
                         std::function<double()> sample);

  /// A counter whose total is read at scrape time from a monotonic source (a process-wide
  /// tally such as password_verifications_total).
  void add_sampled_counter(const std::string& name, const std::string& help,
                           std::function<double()> sample);

  /// Prometheus text exposition (version 0.0.4) of everything, sampled now.
  std::string render();

 private:
  struct Sampled {
    prometheus::Gauge* gauge;
    std::function<double()> sample;
  };
  std::uint64_t serial_;  ///< tells this instance's per-thread caches from a freed one's
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* durations_;
  prometheus::Gauge* in_flight_;
  prometheus::Gauge* resident_memory_;
  prometheus::Gauge* virtual_memory_;
  prometheus::Counter* cpu_seconds_;
  prometheus::Gauge* open_fds_;
  prometheus::Gauge* start_time_;
  std::mutex sampled_mutex_;
  std::vector<Sampled> sampled_;
  struct SampledCounter {
    prometheus::Counter* counter;
    std::function<double()> sample;
  };
  std::vector<SampledCounter> sampled_counters_;
  std::mutex render_mutex_;
};

}  // namespace crema::obs
