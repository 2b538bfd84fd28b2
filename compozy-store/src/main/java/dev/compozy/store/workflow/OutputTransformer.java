package dev.compozy.store.workflow;

import java.util.Map;

/**
 * Computes a workflow's final output in {@link WorkflowRepository#completeWorkflow}, from the execution
 * with its tasks as they are when it completes. An exception fails the workflow with error code
 * {@value WorkflowRepository#OUTPUT_TRANSFORMATION_FAILED} and the default output.
 */
@FunctionalInterface
public interface OutputTransformer {
    Map<String, Object> transform(WorkflowExecution execution) throws Exception;
}
