// Test-side visitors over message definitions: random values for round trips, and a flat
// path -> value dump that golden vectors state their expectations in.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <type_traits>

#include "kafka/codec/codec.h"
#include "kafka/codec/messages/all.h"

namespace groupwire::kafka::testing {

template <class Req, class Resp>
struct Api {
  using Request = Req;
  using Response = Resp;
  const char* name;
};

inline constexpr auto kApis = std::make_tuple(
    Api<ApiVersionsRequest, ApiVersionsResponse>{"ApiVersions"},
    Api<MetadataRequest, MetadataResponse>{"Metadata"},
    Api<FindCoordinatorRequest, FindCoordinatorResponse>{"FindCoordinator"},
    Api<JoinGroupRequest, JoinGroupResponse>{"JoinGroup"},
    Api<SyncGroupRequest, SyncGroupResponse>{"SyncGroup"},
    Api<HeartbeatRequest, HeartbeatResponse>{"Heartbeat"},
    Api<LeaveGroupRequest, LeaveGroupResponse>{"LeaveGroup"},
    Api<OffsetCommitRequest, OffsetCommitResponse>{"OffsetCommit"},
    Api<OffsetFetchRequest, OffsetFetchResponse>{"OffsetFetch"},
    Api<DescribeGroupsRequest, DescribeGroupsResponse>{"DescribeGroups"},
    Api<ListGroupsRequest, ListGroupsResponse>{"ListGroups"},
    Api<DeleteGroupsRequest, DeleteGroupsResponse>{"DeleteGroups"},
    Api<OffsetDeleteRequest, OffsetDeleteResponse>{"OffsetDelete"},
    Api<ListOffsetsRequest, ListOffsetsResponse>{"ListOffsets"},
    Api<FetchRequest, FetchResponse>{"Fetch"},
    Api<SaslHandshakeRequest, SaslHandshakeResponse>{"SaslHandshake"},
    Api<SaslAuthenticateRequest, SaslAuthenticateResponse>{"SaslAuthenticate"},
    Api<ProduceRequest, ProduceResponse>{"Produce"},
    Api<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>{"ConsumerGroupHeartbeat"},
    Api<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>{"ConsumerGroupDescribe"});

template <class F>
void for_each_api(F&& f) {
  std::apply([&](auto... api) { (f(api), ...); }, kApis);
}

// Fills every field present in `version` with random values; nulls only where nullable.
class RandomFill {
 public:
  RandomFill(std::mt19937& rng, ApiVersion version) : rng_(rng), version_(version) {}

  template <class T>
  void operator()(T& field, const Field& f) {
    if (!f.present.contains(version_)) return;
    if constexpr (detail::IsOptional<T>::value) {
      if (f.tag >= 0) {
        if (coin()) {
          fill(field.emplace(), false);
        } else {
          field.reset();
        }
        return;
      }
    }
    fill(field, f.nullable.contains(version_));
  }

  template <class T>
  void fill(T& v, bool nullable) {
    if constexpr (std::is_same_v<T, bool>) {
      v = coin();
    } else if constexpr (std::is_integral_v<T>) {
      v = static_cast<T>(rng_());
    } else if constexpr (std::is_same_v<T, double>) {
      v = static_cast<double>(rng_()) / 7.0;
    } else if constexpr (std::is_same_v<T, Uuid>) {
      for (auto& b : v) b = static_cast<std::uint8_t>(rng_());
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = text();
    } else if constexpr (std::is_same_v<T, Bytes>) {
      v.data = text();
    } else if constexpr (detail::IsVector<T>::value) {
      v.resize(rng_() % 3);
      for (auto& e : v) fill(e, false);
    } else if constexpr (detail::IsOptional<T>::value) {
      if (nullable && coin()) {
        v.reset();
      } else {
        fill(v.emplace(), false);
      }
    } else {
      T::fields(v, *this);
    }
  }

 private:
  bool coin() { return rng_() % 2 == 0; }
  std::string text() {
    std::string s(rng_() % 6, 'x');
    for (auto& c : s) c = static_cast<char>('a' + rng_() % 26);
    return s;
  }

  std::mt19937& rng_;
  ApiVersion version_;
};

// Flattens a message into "topics[0].partitions[1].partition_index" -> "3" style entries.
class Dump {
 public:
  Dump(std::map<std::string, std::string>& out, ApiVersion version, std::string prefix = {})
      : out_(out), version_(version), prefix_(std::move(prefix)) {}

  template <class T>
  void operator()(const T& field, const Field& f) {
    if (!f.present.contains(version_)) return;
    put(prefix_ + f.name, field);
  }

  template <class T>
  void put(const std::string& path, const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      out_[path] = v ? "true" : "false";
    } else if constexpr (std::is_integral_v<T>) {
      out_[path] = std::to_string(static_cast<long long>(v));
    } else if constexpr (std::is_same_v<T, double>) {
      out_[path] = std::to_string(v);
    } else if constexpr (std::is_same_v<T, Uuid>) {
      out_[path] = hex(std::string(v.begin(), v.end()));
    } else if constexpr (std::is_same_v<T, std::string>) {
      out_[path] = v;
    } else if constexpr (std::is_same_v<T, Bytes>) {
      out_[path] = "hex:" + hex(v.data);
    } else if constexpr (detail::IsVector<T>::value) {
      for (std::size_t i = 0; i < v.size(); ++i) put(path + "[" + std::to_string(i) + "]", v[i]);
      out_[path + ".size"] = std::to_string(v.size());
    } else if constexpr (detail::IsOptional<T>::value) {
      if (v) {
        put(path, *v);
      } else {
        out_[path] = "null";
      }
    } else {
      Dump sub(out_, version_, path + ".");
      T::fields(v, sub);
    }
  }

  static std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (unsigned char c : bytes) {
      s.push_back(digits[c >> 4]);
      s.push_back(digits[c & 15]);
    }
    return s;
  }

 private:
  std::map<std::string, std::string>& out_;
  ApiVersion version_;
  std::string prefix_;
};

template <class M>
std::map<std::string, std::string> dump(const M& m, ApiVersion version) {
  std::map<std::string, std::string> out;
  Dump d(out, version);
  M::fields(m, d);
  return out;
}

}  // namespace groupwire::kafka::testing
