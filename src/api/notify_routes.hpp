#pragma once
/// Notifications and partner webhooks (SPEC §10): POST /notifications/send,
/// GET /notifications, POST/GET /webhooks, DELETE /webhooks/{id},
/// GET /webhooks/{id}/deliveries. Admin only.

#include <memory>

#include "api/openapi.hpp"
#include "net/router.hpp"
#include "service/notification_service.hpp"
#include "service/webhook_service.hpp"

namespace crema::api {

struct NotifyContext {
  std::shared_ptr<service::NotificationService> notifications;
  std::shared_ptr<service::WebhookService> webhooks;
};

void register_notify_routes(http::Router& router, OpenApi& openapi,
                            std::shared_ptr<NotifyContext> context);

}  // namespace crema::api
