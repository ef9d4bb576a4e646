#pragma once
/// JSON text for responses. Like boost::json::serialize, except that doubles are written in
/// their shortest plain form (19.99, 2.125, 1e+21 only when huge): Boost 1.81 writes 19.99
/// as "1.999E1", which is valid JSON but not what anyone expects of a price.

#include <string>

#include <boost/json/value.hpp>

namespace crema::util {

std::string to_json(const boost::json::value& v);
void append_json(std::string& out, const boost::json::value& v);

}  // namespace crema::util
