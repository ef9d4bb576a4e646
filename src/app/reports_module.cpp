#include "app/reports_module.hpp"

#include "api/report_routes.hpp"
#include "util/time.hpp"

namespace crema::app {

ReportsModule::ReportsModule(db::Pool& pool, const Config& config)
    : reports_(pool, service::ReportSettings{config.timezone, config.currency}) {}

void ReportsModule::provide(api::AppServices& services) {
  services.reports = std::make_shared<api::ReportsContext>(api::ReportsContext{reports_});
}

void ReportsModule::schedule(jobs::Scheduler& scheduler) {
  scheduler.add("daily_summary", std::chrono::minutes(1),
                [this] { reports_.enqueue_daily_summaries(util::now_ms()); });
  // SPEC §15.5: after each business week and month (claimed once across instances).
  scheduler.add("period_summaries", std::chrono::minutes(1),
                [this] { reports_.enqueue_period_summaries(util::now_ms()); });
}

}  // namespace crema::app
