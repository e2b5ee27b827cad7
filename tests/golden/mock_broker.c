/*
 * Starts librdkafka's built-in mock Kafka cluster (rdkafka_mock.h) so that real
 * clients (kcat, confluent_kafka / librdkafka) can be driven against it while
 * tshark captures the wire bytes. Used only to produce golden vectors.
 *
 * Build: gcc mock_broker.c -lrdkafka -o /tmp/mock_broker
 * Run:   /tmp/mock_broker            (prints "BOOTSTRAP host:port", then sleeps
 *                                     until SIGTERM/SIGINT)
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t run = 1;
static void stop(int sig) { (void)sig; run = 0; }

int main(void) {
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        /* The mock cluster needs an rd_kafka_t to live in; it never connects
         * anywhere itself. */
        rd_kafka_conf_set(conf, "bootstrap.servers", "", errstr, sizeof(errstr));
        rd_kafka_t *rk =
            rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "rd_kafka_new: %s\n", errstr);
                return 1;
        }
        /* One broker: every coordinator and partition leader is broker 1, so a
         * single tshark port filter sees all traffic. */
        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
        if (!mc) {
                fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
                return 1;
        }
        rd_kafka_mock_topic_create(mc, "golden-topic", 3, 1);
        rd_kafka_mock_topic_create(mc, "golden-topic-b", 2, 1);

        signal(SIGTERM, stop);
        signal(SIGINT, stop);
        printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);
        while (run)
                usleep(100 * 1000);
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
