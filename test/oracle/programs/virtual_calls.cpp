// Checkpointable virtual functions called through a base, as people write class hierarchies:
// an abstract base whose overrides are not marked again (they are checkpointable because what
// they override is), objects owned through unique_ptr<Base> in a vector, a const virtual
// function taking a const&, one returning a std::string by value, a composite whose virtual
// function calls its children's through the base (recursion through vtables), and a class
// with two polymorphic bases called through the second (a this-adjusting thunk), and a base's
// own function calling a private override through `this` (the template method pattern), an
// override in a class template, two virtual calls of one slot on one line.
#include "../oracle.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

class Body {
public:
  virtual ~Body() = default;
  [[ppp2p::checkpointable]] virtual long simulate(int steps) = 0;
  [[ppp2p::checkpointable]] virtual long energy(const std::vector<long>& weights) const {
    long sum = 0;
    for (long w : weights) {
      sum += w * mass_;
      ppp2p::checkpoint();
    }
    return sum;
  }
  [[ppp2p::checkpointable]] virtual std::string label(int n) const {
    std::string out = "body";
    for (int i = 0; i < n; ++i) {
      out += char('a' + i);
      ppp2p::checkpoint();
    }
    return out;
  }

  // A container by value and a reference bound to a temporary, through the vtable.
  [[ppp2p::checkpointable]] virtual long absorb(std::vector<long> extra, const std::string& why) {
    for (long e : extra) {
      mass_ += e % 5 + long(why.size() % 3);
      ppp2p::checkpoint();
    }
    return mass_;
  }

protected:
  long mass_ = 1;
};

class Falling : public Body {
public:
  explicit Falling(long height) : height_(height) { mass_ = 3; }
  long simulate(int steps) override { // checkpointable: it overrides Body::simulate
    for (int i = 0; i < steps && height_ > 0; ++i) {
      height_ -= 2 * i + 1;
      ppp2p::checkpoint();
    }
    return height_;
  }

private:
  long height_;
};

class Spinning final : public Body {
public:
  [[ppp2p::checkpointable]] long simulate(int steps) override {
    for (int i = 0; i < steps; ++i) {
      angle_ = (angle_ + 37 * (i + 1)) % 360;
      ppp2p::checkpoint();
    }
    return angle_;
  }
  std::string label(int n) const override {
    std::string base = Body::label(n); // a qualified call: Body's own, not through the vtable
    ppp2p::checkpoint();
    return base + "-spin";
  }

private:
  long angle_ = 5;
};

class Cluster : public Body {
public:
  void add(std::unique_ptr<Body> body) { parts_.push_back(std::move(body)); }
  long simulate(int steps) override {
    long total = 0;
    for (auto& part : parts_)
      total = total * 7 + part->simulate(steps); // through Body's vtable, maybe a Cluster again
    return total;
  }

private:
  std::vector<std::unique_ptr<Body>> parts_;
};

class Named {
public:
  virtual ~Named() = default;
  virtual std::string name() const { return "named"; }
  long tag = 11;
};

class Runner {
public:
  virtual ~Runner() = default;
  [[ppp2p::checkpointable]] virtual long run(long from) = 0;
};

// Runner is the second polymorphic base: its vtable in a Worker holds a thunk that adjusts
// `this` before entering Worker::run.
class Worker : public Named, public Runner {
public:
  long run(long from) override {
    for (int i = 0; i < 4; ++i) {
      from = from * 3 + tag;
      ppp2p::checkpoint();
    }
    return from % 100003;
  }
};

[[ppp2p::checkpointable]] long drive(Runner& runner, long from) {
  return runner.run(from);
}

// An override in a class template, and a function template making two virtual calls of the
// same vtable slot on one line.
template <class T> class Scaled : public Runner {
public:
  explicit Scaled(T factor) : factor_(factor) {}
  long run(long from) override {
    for (int i = 0; i < 3; ++i) {
      from = from * long(factor_) + i;
      ppp2p::checkpoint();
    }
    return from % 7919;
  }

private:
  T factor_;
};

template <class T> [[ppp2p::checkpointable]] long twice(Runner& runner, T from) {
  return runner.run(long(from)) * 2 + runner.run(long(from) + 1);
}

// The template method pattern: a base's own checkpointable function calls a virtual one on
// `this`, a protected pure virtual that the derived class overrides privately.
class Solver {
public:
  virtual ~Solver() = default;
  [[ppp2p::checkpointable]] long solve(int rounds) {
    long best = 0;
    for (int r = 0; r < rounds; ++r)
      best = std::max(best, improve(r));
    return best;
  }

protected:
  [[ppp2p::checkpointable]] virtual long improve(int round) = 0;
};

class Climber : public Solver {
  long improve(int round) override {
    for (int i = 0; i < 3; ++i) {
      state_ = (state_ * 17 + round + i) % 1009;
      ppp2p::checkpoint();
    }
    return state_;
  }
  long state_ = 1;
};

[[ppp2p::checkpointable]] std::string run(int steps) {
  std::vector<std::unique_ptr<Body>> bodies;
  bodies.push_back(std::make_unique<Falling>(100));
  bodies.push_back(std::make_unique<Spinning>());
  auto cluster = std::make_unique<Cluster>();
  cluster->add(std::make_unique<Falling>(40));
  auto inner = std::make_unique<Cluster>();
  inner->add(std::make_unique<Spinning>());
  inner->add(std::make_unique<Falling>(9));
  cluster->add(std::move(inner));
  bodies.push_back(std::move(cluster));

  std::vector<long> weights{2, 3, 5};
  long total = 0;
  std::string labels;
  for (const auto& body : bodies) {
    total = total * 31 + body->simulate(steps);
    total += body->energy(weights);
    labels += body->label(2) + ";";
    total += body->absorb({total % 7, 3, 4}, std::string("a reason longer than a small string"));
  }
  Worker worker;
  total += drive(worker, total % 1000);
  Climber climber;
  total += climber.solve(steps);
  Scaled<short> scaled(3);
  total += twice(scaled, steps);
  Body& first = *bodies.front();
  total += first.simulate(1); // through a reference
  return labels + std::to_string(total);
}

PPP2P_ORACLE_MAIN(run, 5)
