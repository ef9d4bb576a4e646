#pragma once
/// The reports feature as the server wires it: the report service for the routes (SPEC §12)
/// and the daily_summary job on the periodic scheduler (SPEC §10).

#include "api/routes.hpp"
#include "app/config.hpp"
#include "db/pool.hpp"
#include "jobs/scheduler.hpp"
#include "service/report_service.hpp"

namespace crema::app {

class ReportsModule {
 public:
  ReportsModule(db::Pool& pool, const Config& config);
  ReportsModule(const ReportsModule&) = delete;
  ReportsModule& operator=(const ReportsModule&) = delete;

  /// Hands the route context to the route table.
  void provide(api::AppServices& services);
  /// Adds the daily summary job (every minute; each closed day is queued once across
  /// instances) to `scheduler`, before it starts.
  void schedule(jobs::Scheduler& scheduler);

  service::ReportService& reports() noexcept { return reports_; }

 private:
  service::ReportService reports_;
};

}  // namespace crema::app
