// What a handler may ask of the client connection its request came on: which listener (and so
// which broker) the client thinks it is talking to, who the client is, the upstream broker
// behind it, closing, and running its request alone.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "handlers/broker_identity.h"
#include "security/authentication.h"

namespace groupwire::gateway {

// Receives the upstream's answer frame (size prefix included), or nullopt when the upstream
// failed (unreachable, closed, timed out, or answered out of order).
using UpstreamReply = std::function<void(std::optional<std::string>)>;
// Receives the bytes of one answer in order, size prefix first, as they arrive.
using AnswerPart = std::function<void(std::string part)>;

class Session {
 public:
  virtual ~Session() = default;
  virtual const BrokerIdentity& listener() const = 0;
  // The client's principal and its SASL exchange; call on the connection's strand.
  virtual Authentication& authentication() = 0;
  // Sends a whole request frame (size prefix included) unchanged to this listener's upstream
  // broker, on a connection of this client connection's own. Call on the connection's strand
  // (inside dispatch, or from a reply posted there). With `parts`, a large answer is handed to
  // `parts` as it arrives instead, and `reply` then gets an empty frame.
  virtual void forward_upstream(std::string frame, bool expects_response, UpstreamReply reply,
                                AnswerPart parts) = 0;
  // Writes the answer to the request inside dispatch in parts, before it is complete (an answer
  // passed on unchanged, which need not wait for its last byte): each part goes out once every
  // earlier answer has, and the request's own callback completes it. Call inside dispatch; call
  // the result on the connection's strand.
  virtual AnswerPart answer_in_parts() = 0;
  // The frame of the request inside dispatch (size prefix included) when the connection can give
  // it away instead of it being copied: a large one, read into a buffer of its own (the
  // dispatched view still points into it). Call inside dispatch.
  virtual std::optional<std::string> take_request() = 0;
  // Closes the client connection with a log line; safe from any thread.
  virtual void close(const std::string& reason) = 0;
  // The connection's I/O thread: what waits for one of its requests (a timer) waits there, so
  // it goes with the connection's context.
  virtual boost::asio::any_io_executor executor() = 0;
  // Runs `start` once every earlier request on this connection is answered, and reads no later
  // request until this one is answered: the request runs alone, as Kafka's broker runs every
  // request. Call inside dispatch.
  virtual void run_alone(std::function<void()> start) = 0;
};

}  // namespace groupwire::gateway
