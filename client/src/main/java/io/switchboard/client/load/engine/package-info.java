/**
 * The load engine. {@link io.switchboard.client.load.engine.StageRunner} runs one stage on an
 * event loop group; each loop runs a {@code LoopWorker} that owns its connections, its part of
 * the open-loop schedule ({@link io.switchboard.client.load.engine.OpenLoopScheduler} over an
 * {@link io.switchboard.client.load.engine.ArrivalSchedule}) and its {@code LoopMeter}, so the
 * hot path takes no lock and shares no counter. The scheduler and the worker take their time
 * from a {@link io.switchboard.client.load.engine.Clock}, which lets tests drive them with a fake
 * one.
 */
package io.switchboard.client.load.engine;
