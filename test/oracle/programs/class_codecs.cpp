// Classes with private state and no serialize() member, written as people write them, where a
// codec is needed beyond a variable of their own: as elements of vectors and maps, owned by a
// unique_ptr, inside an optional, in a priority_queue with a stateful comparator class, holding
// another such class, as the root's result, with no default constructor (an empty class too),
// and lambdas capturing a string kept in a vector. The plugin moves
// each field by field from its layout (class_fields_codec<T>).
#include "../oracle.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

class Account {
public:
  Account(std::string owner, long opening) : owner_(std::move(owner)), balance_(opening) {}
  void deposit(long amount) {
    balance_ += amount;
    history_.push_back(amount);
  }
  long balance() const { return balance_; }
  std::size_t entries() const { return history_.size(); }
  const std::string& owner() const { return owner_; }

private:
  std::string owner_;
  long balance_;
  std::vector<long> history_;
};

class Polynomial { // coefficients mod a prime, multiplied in place
public:
  explicit Polynomial(std::uint32_t constant) : coefficients_{constant} {}
  void times_linear(std::uint32_t root) { // *= (x + root)
    coefficients_.push_back(0);
    for (std::size_t i = coefficients_.size() - 1; i > 0; --i)
      coefficients_[i] = (coefficients_[i - 1] + coefficients_[i] * std::uint64_t(root)) % kPrime;
    coefficients_[0] = std::uint32_t(coefficients_[0] * std::uint64_t(root) % kPrime);
  }
  std::uint64_t value_at(std::uint64_t x) const {
    std::uint64_t sum = 0;
    for (std::size_t i = coefficients_.size(); i > 0; --i)
      sum = (sum * x + coefficients_[i - 1]) % kPrime;
    return sum;
  }

private:
  static constexpr std::uint64_t kPrime = 1000000007;
  std::vector<std::uint32_t> coefficients_;
};

class Bank { // a class holding classes, in a vector and a map
public:
  explicit Bank(std::string name) : name_(std::move(name)) {}
  void open(const std::string& owner, long opening) {
    accounts_.emplace_back(owner, opening);
    by_owner_.emplace(owner, accounts_.size() - 1);
  }
  Account& at(const std::string& owner) { return accounts_[by_owner_.at(owner)]; }
  long total() const {
    long sum = 0;
    for (const Account& account : accounts_)
      sum += account.balance();
    return sum;
  }

private:
  std::string name_;
  std::vector<Account> accounts_;
  std::map<std::string, std::size_t> by_owner_;
};

class ByDistance { // a comparator with state: its weights move with the queue
public:
  explicit ByDistance(std::vector<int> weights) : weights_(std::move(weights)) {}
  bool operator()(int a, int b) const {
    return weights_[std::size_t(a)] > weights_[std::size_t(b)];
  }

private:
  std::vector<int> weights_;
};

class Marker { // empty, trivially copyable, no default constructor
public:
  explicit Marker(int) {}
  int weight() const { return 2; }
};

class Summary { // the root's result
public:
  Summary(long total, std::uint64_t digest, std::vector<int> order)
      : total_(total), digest_(digest), order_(std::move(order)) {}
  bool empty() const { return total_ == 0 && digest_ == 0 && order_.empty(); }

private:
  long total_;
  std::uint64_t digest_;
  std::vector<int> order_;
};

[[ppp2p::checkpointable]] Summary run(int n) {
  Bank bank("river");
  std::vector<Account> loose;
  std::map<int, Account> numbered;
  for (int i = 0; i < n; ++i) {
    bank.open("owner" + std::to_string(i), i * 10);
    loose.emplace_back("loose" + std::to_string(i), i);
    numbered.emplace(i * 3, Account("n" + std::to_string(i), -i));
    ppp2p::checkpoint();
  }
  auto big = std::make_unique<Polynomial>(7u);
  std::optional<Account> spare;
  for (int round = 0; round < n; ++round) {
    bank.at("owner" + std::to_string(round % n)).deposit(round * 3);
    loose[std::size_t(round)].deposit(round);
    numbered.at(round * 3).deposit(2 * round);
    big->times_linear(std::uint32_t(1000003 + round));
    if (round == n / 2)
      spare.emplace("spare", round);
    ppp2p::checkpoint();
  }
  std::vector<int> weights;
  for (int i = 0; i < n; ++i)
    weights.push_back((i * 37) % 11);
  std::priority_queue<int, std::vector<int>, ByDistance> frontier{ByDistance(weights)};
  for (int i = 0; i < n; ++i)
    frontier.push(i);
  // Lambdas capturing a string, kept in a container, and empty classes in a vector.
  auto scaled = [tag = std::string(std::size_t(n) * 4, 'q')](int i) { return int(tag.size()) * i; };
  std::vector<decltype(scaled)> scalers{scaled, scaled};
  std::vector<Marker> markers(std::size_t(n), Marker(0));
  std::vector<int> order;
  while (!frontier.empty()) {
    order.push_back(frontier.top() + scalers[order.size() % 2](1) + markers.front().weight());
    frontier.pop();
    ppp2p::checkpoint();
  }
  long total = bank.total();
  for (const Account& account : loose)
    total += account.balance() * 7 + long(account.entries());
  for (const auto& [key, account] : numbered)
    total += key * account.balance() + long(account.owner().size());
  if (spare)
    total += spare->balance() * 1000;
  Summary summary(total, big->value_at(12345), order);
  ppp2p::checkpoint(); // a site with the result's class live
  return summary.empty() ? Summary(0, 0, {}) : summary;
}

PPP2P_ORACLE_MAIN(run, 9)
