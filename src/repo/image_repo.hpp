#pragma once
/// SQL of product images (their bytes are in the object store).

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db/pool.hpp"
#include "domain/product.hpp"

namespace crema::repo {

void insert_image(db::Transaction& tx, const domain::ProductImage& image);
std::optional<domain::ProductImage> find_image(db::Connection& conn, std::string_view id);
/// The next position for a product's new image (after its last one).
int next_image_position(db::Connection& conn, std::string_view product_id);
/// The shown images (pending and ready, not failed) of these products, in position order.
std::map<std::string, std::vector<domain::ProductImage>> images_of(
    db::Connection& conn, std::span<const std::string> product_ids);
void set_image_ready(db::Transaction& tx, std::string_view id, std::string_view thumbnail_key,
                     std::string_view web_key, std::int64_t now);
void set_image_failed(db::Transaction& tx, std::string_view id, std::int64_t now);
/// Images still waiting for their copies (oldest first), e.g. after a restart.
std::vector<std::string> pending_image_ids(db::Connection& conn, int limit);

}  // namespace crema::repo
