#pragma once
/// The statuses of payments, refunds, deliveries, catering events, reviews and outbox
/// messages, each with its one name table (domain/name_table.hpp). The names are the wire and
/// database values (the CHECK constraints of their migrations); orders keep theirs in
/// domain/order.hpp.

#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/name_table.hpp"

namespace crema::domain {

/// A payment at a gateway (payments.status, SPEC §9) — not the order's PaymentStatus.
enum class ChargeStatus : std::uint8_t { pending, succeeded, failed, refunded, partially_refunded };
inline constexpr NameTable<ChargeStatus, 5> kChargeStatuses{
    {"pending", "succeeded", "failed", "refunded", "partially_refunded"}};
static_assert(kChargeStatuses.size() ==
              static_cast<std::size_t>(ChargeStatus::partially_refunded) + 1);

/// A refund of a payment (payment_refunds.status).
enum class RefundStatus : std::uint8_t { pending, succeeded, failed };
inline constexpr NameTable<RefundStatus, 3> kRefundStatuses{{"pending", "succeeded", "failed"}};
static_assert(kRefundStatuses.size() == static_cast<std::size_t>(RefundStatus::failed) + 1);

/// A delivery (SPEC §8). assigned and picked_up are the ones in progress.
enum class DeliveryStatus : std::uint8_t { assigned, picked_up, delivered, failed };
inline constexpr NameTable<DeliveryStatus, 4> kDeliveryStatuses{
    {"assigned", "picked_up", "delivered", "failed"}};
static_assert(kDeliveryStatuses.size() == static_cast<std::size_t>(DeliveryStatus::failed) + 1);

/// A catering event request (SPEC §10).
enum class EventStatus : std::uint8_t {
  requested,
  quoted,
  confirmed,
  declined,
  completed,
  cancelled
};
inline constexpr NameTable<EventStatus, 6> kEventStatuses{
    {"requested", "quoted", "confirmed", "declined", "completed", "cancelled"}};
static_assert(kEventStatuses.size() == static_cast<std::size_t>(EventStatus::cancelled) + 1);

/// A product review (SPEC §11).
enum class ReviewStatus : std::uint8_t { visible, flagged, hidden };
inline constexpr NameTable<ReviewStatus, 3> kReviewStatuses{{"visible", "flagged", "hidden"}};
static_assert(kReviewStatuses.size() == static_cast<std::size_t>(ReviewStatus::hidden) + 1);

/// A message of the outbox (notifications and partner webhooks).
enum class OutboxStatus : std::uint8_t { queued, sent, failed };
inline constexpr NameTable<OutboxStatus, 3> kOutboxStatuses{{"queued", "sent", "failed"}};
static_assert(kOutboxStatuses.size() == static_cast<std::size_t>(OutboxStatus::failed) + 1);

constexpr std::string_view name(ChargeStatus s) noexcept { return kChargeStatuses.name(s); }
constexpr std::string_view name(RefundStatus s) noexcept { return kRefundStatuses.name(s); }
constexpr std::string_view name(DeliveryStatus s) noexcept { return kDeliveryStatuses.name(s); }
constexpr std::string_view name(EventStatus s) noexcept { return kEventStatuses.name(s); }
constexpr std::string_view name(ReviewStatus s) noexcept { return kReviewStatuses.name(s); }
constexpr std::string_view name(OutboxStatus s) noexcept { return kOutboxStatuses.name(s); }

}  // namespace crema::domain
