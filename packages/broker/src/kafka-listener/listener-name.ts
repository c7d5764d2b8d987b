/** The listener name a broker registers its Kafka endpoint under, beside its gRPC one ('PLAINTEXT'). */
export const KAFKA_LISTENER_NAME = 'KAFKA';
