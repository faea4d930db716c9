// JSON forms (nlohmann) of the messages: the trades log is execution_report's form,
// the orders log is order's. Prices are decimal numbers, `timestamp` is epoch
// seconds (fractional), other times are integer nanoseconds. from_json is strict: a
// missing field or a bad value throws with a message that names it.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "messages/market.hpp"
#include "messages/orders.hpp"

namespace trading {

void to_json(nlohmann::json& j, const tick& x);
void from_json(const nlohmann::json& j, tick& x);
void to_json(nlohmann::json& j, const tick_batch& x);
void from_json(const nlohmann::json& j, tick_batch& x);
void to_json(nlohmann::json& j, const news& x);
void from_json(const nlohmann::json& j, news& x);
void to_json(nlohmann::json& j, const order& x);
void from_json(const nlohmann::json& j, order& x);
void to_json(nlohmann::json& j, const execution_report& x);
void from_json(const nlohmann::json& j, execution_report& x);

/// One log line: the compact JSON form followed by '\n'.
std::string to_log_line(const order& x);
std::string to_log_line(const execution_report& x);

} // namespace trading
