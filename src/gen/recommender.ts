import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';
import type { AnnIndex as _recommender_v1_AnnIndex, AnnIndex__Output as _recommender_v1_AnnIndex__Output } from './recommender/v1/AnnIndex';
import type { Batch as _recommender_v1_Batch, Batch__Output as _recommender_v1_Batch__Output } from './recommender/v1/Batch';
import type { CallbackStatus as _recommender_v1_CallbackStatus, CallbackStatus__Output as _recommender_v1_CallbackStatus__Output } from './recommender/v1/CallbackStatus';
import type { CancelTrainingRequest as _recommender_v1_CancelTrainingRequest, CancelTrainingRequest__Output as _recommender_v1_CancelTrainingRequest__Output } from './recommender/v1/CancelTrainingRequest';
import type { DataCounts as _recommender_v1_DataCounts, DataCounts__Output as _recommender_v1_DataCounts__Output } from './recommender/v1/DataCounts';
import type { DataFilters as _recommender_v1_DataFilters, DataFilters__Output as _recommender_v1_DataFilters__Output } from './recommender/v1/DataFilters';
import type { DatasetDescription as _recommender_v1_DatasetDescription, DatasetDescription__Output as _recommender_v1_DatasetDescription__Output } from './recommender/v1/DatasetDescription';
import type { DatasetStatistics as _recommender_v1_DatasetStatistics, DatasetStatistics__Output as _recommender_v1_DatasetStatistics__Output } from './recommender/v1/DatasetStatistics';
import type { DeleteBatchesRequest as _recommender_v1_DeleteBatchesRequest, DeleteBatchesRequest__Output as _recommender_v1_DeleteBatchesRequest__Output } from './recommender/v1/DeleteBatchesRequest';
import type { DeleteBatchesResponse as _recommender_v1_DeleteBatchesResponse, DeleteBatchesResponse__Output as _recommender_v1_DeleteBatchesResponse__Output } from './recommender/v1/DeleteBatchesResponse';
import type { DeleteModelRequest as _recommender_v1_DeleteModelRequest, DeleteModelRequest__Output as _recommender_v1_DeleteModelRequest__Output } from './recommender/v1/DeleteModelRequest';
import type { DeleteModelResponse as _recommender_v1_DeleteModelResponse, DeleteModelResponse__Output as _recommender_v1_DeleteModelResponse__Output } from './recommender/v1/DeleteModelResponse';
import type { DescribeDatasetRequest as _recommender_v1_DescribeDatasetRequest, DescribeDatasetRequest__Output as _recommender_v1_DescribeDatasetRequest__Output } from './recommender/v1/DescribeDatasetRequest';
import type { Distribution as _recommender_v1_Distribution, Distribution__Output as _recommender_v1_Distribution__Output } from './recommender/v1/Distribution';
import type { EntityFilter as _recommender_v1_EntityFilter, EntityFilter__Output as _recommender_v1_EntityFilter__Output } from './recommender/v1/EntityFilter';
import type { Evaluation as _recommender_v1_Evaluation, Evaluation__Output as _recommender_v1_Evaluation__Output } from './recommender/v1/Evaluation';
import type { EvaluationOptions as _recommender_v1_EvaluationOptions, EvaluationOptions__Output as _recommender_v1_EvaluationOptions__Output } from './recommender/v1/EvaluationOptions';
import type { ExportModelHeader as _recommender_v1_ExportModelHeader, ExportModelHeader__Output as _recommender_v1_ExportModelHeader__Output } from './recommender/v1/ExportModelHeader';
import type { ExportModelRequest as _recommender_v1_ExportModelRequest, ExportModelRequest__Output as _recommender_v1_ExportModelRequest__Output } from './recommender/v1/ExportModelRequest';
import type { ExportModelResponse as _recommender_v1_ExportModelResponse, ExportModelResponse__Output as _recommender_v1_ExportModelResponse__Output } from './recommender/v1/ExportModelResponse';
import type { FoldInInteraction as _recommender_v1_FoldInInteraction, FoldInInteraction__Output as _recommender_v1_FoldInInteraction__Output } from './recommender/v1/FoldInInteraction';
import type { GetModelRequest as _recommender_v1_GetModelRequest, GetModelRequest__Output as _recommender_v1_GetModelRequest__Output } from './recommender/v1/GetModelRequest';
import type { GetStatusRequest as _recommender_v1_GetStatusRequest, GetStatusRequest__Output as _recommender_v1_GetStatusRequest__Output } from './recommender/v1/GetStatusRequest';
import type { HyperparameterChoice as _recommender_v1_HyperparameterChoice, HyperparameterChoice__Output as _recommender_v1_HyperparameterChoice__Output } from './recommender/v1/HyperparameterChoice';
import type { Hyperparameters as _recommender_v1_Hyperparameters, Hyperparameters__Output as _recommender_v1_Hyperparameters__Output } from './recommender/v1/Hyperparameters';
import type { ImportBatchHeader as _recommender_v1_ImportBatchHeader, ImportBatchHeader__Output as _recommender_v1_ImportBatchHeader__Output } from './recommender/v1/ImportBatchHeader';
import type { ImportBatchRequest as _recommender_v1_ImportBatchRequest, ImportBatchRequest__Output as _recommender_v1_ImportBatchRequest__Output } from './recommender/v1/ImportBatchRequest';
import type { InteractionFilter as _recommender_v1_InteractionFilter, InteractionFilter__Output as _recommender_v1_InteractionFilter__Output } from './recommender/v1/InteractionFilter';
import type { ListBatchesRequest as _recommender_v1_ListBatchesRequest, ListBatchesRequest__Output as _recommender_v1_ListBatchesRequest__Output } from './recommender/v1/ListBatchesRequest';
import type { ListBatchesResponse as _recommender_v1_ListBatchesResponse, ListBatchesResponse__Output as _recommender_v1_ListBatchesResponse__Output } from './recommender/v1/ListBatchesResponse';
import type { ListModelVersionsRequest as _recommender_v1_ListModelVersionsRequest, ListModelVersionsRequest__Output as _recommender_v1_ListModelVersionsRequest__Output } from './recommender/v1/ListModelVersionsRequest';
import type { ListModelVersionsResponse as _recommender_v1_ListModelVersionsResponse, ListModelVersionsResponse__Output as _recommender_v1_ListModelVersionsResponse__Output } from './recommender/v1/ListModelVersionsResponse';
import type { ListModelsRequest as _recommender_v1_ListModelsRequest, ListModelsRequest__Output as _recommender_v1_ListModelsRequest__Output } from './recommender/v1/ListModelsRequest';
import type { ListModelsResponse as _recommender_v1_ListModelsResponse, ListModelsResponse__Output as _recommender_v1_ListModelsResponse__Output } from './recommender/v1/ListModelsResponse';
import type { MetadataCondition as _recommender_v1_MetadataCondition, MetadataCondition__Output as _recommender_v1_MetadataCondition__Output } from './recommender/v1/MetadataCondition';
import type { Model as _recommender_v1_Model, Model__Output as _recommender_v1_Model__Output } from './recommender/v1/Model';
import type { ModelVersion as _recommender_v1_ModelVersion, ModelVersion__Output as _recommender_v1_ModelVersion__Output } from './recommender/v1/ModelVersion';
import type { RankingMetrics as _recommender_v1_RankingMetrics, RankingMetrics__Output as _recommender_v1_RankingMetrics__Output } from './recommender/v1/RankingMetrics';
import type { RecommendAllRequest as _recommender_v1_RecommendAllRequest, RecommendAllRequest__Output as _recommender_v1_RecommendAllRequest__Output } from './recommender/v1/RecommendAllRequest';
import type { RecommendAllResponse as _recommender_v1_RecommendAllResponse, RecommendAllResponse__Output as _recommender_v1_RecommendAllResponse__Output } from './recommender/v1/RecommendAllResponse';
import type { RecommendRequest as _recommender_v1_RecommendRequest, RecommendRequest__Output as _recommender_v1_RecommendRequest__Output } from './recommender/v1/RecommendRequest';
import type { RecommendResponse as _recommender_v1_RecommendResponse, RecommendResponse__Output as _recommender_v1_RecommendResponse__Output } from './recommender/v1/RecommendResponse';
import type { Recommendation as _recommender_v1_Recommendation, Recommendation__Output as _recommender_v1_Recommendation__Output } from './recommender/v1/Recommendation';
import type { RecommenderClient as _recommender_v1_RecommenderClient, RecommenderDefinition as _recommender_v1_RecommenderDefinition } from './recommender/v1/Recommender';
import type { RollbackModelRequest as _recommender_v1_RollbackModelRequest, RollbackModelRequest__Output as _recommender_v1_RollbackModelRequest__Output } from './recommender/v1/RollbackModelRequest';
import type { SearchRange as _recommender_v1_SearchRange, SearchRange__Output as _recommender_v1_SearchRange__Output } from './recommender/v1/SearchRange';
import type { SimilarItemsRequest as _recommender_v1_SimilarItemsRequest, SimilarItemsRequest__Output as _recommender_v1_SimilarItemsRequest__Output } from './recommender/v1/SimilarItemsRequest';
import type { SimilarItemsResponse as _recommender_v1_SimilarItemsResponse, SimilarItemsResponse__Output as _recommender_v1_SimilarItemsResponse__Output } from './recommender/v1/SimilarItemsResponse';
import type { SourceRecommendations as _recommender_v1_SourceRecommendations, SourceRecommendations__Output as _recommender_v1_SourceRecommendations__Output } from './recommender/v1/SourceRecommendations';
import type { TrainRequest as _recommender_v1_TrainRequest, TrainRequest__Output as _recommender_v1_TrainRequest__Output } from './recommender/v1/TrainRequest';
import type { TrainingStatus as _recommender_v1_TrainingStatus, TrainingStatus__Output as _recommender_v1_TrainingStatus__Output } from './recommender/v1/TrainingStatus';
import type { TuningOptions as _recommender_v1_TuningOptions, TuningOptions__Output as _recommender_v1_TuningOptions__Output } from './recommender/v1/TuningOptions';
import type { TuningProgress as _recommender_v1_TuningProgress, TuningProgress__Output as _recommender_v1_TuningProgress__Output } from './recommender/v1/TuningProgress';
import type { TuningResult as _recommender_v1_TuningResult, TuningResult__Output as _recommender_v1_TuningResult__Output } from './recommender/v1/TuningResult';
import type { TuningTrial as _recommender_v1_TuningTrial, TuningTrial__Output as _recommender_v1_TuningTrial__Output } from './recommender/v1/TuningTrial';
import type { WatchStatusRequest as _recommender_v1_WatchStatusRequest, WatchStatusRequest__Output as _recommender_v1_WatchStatusRequest__Output } from './recommender/v1/WatchStatusRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  recommender: {
    v1: {
      AnnIndex: MessageTypeDefinition<_recommender_v1_AnnIndex, _recommender_v1_AnnIndex__Output>
      Batch: MessageTypeDefinition<_recommender_v1_Batch, _recommender_v1_Batch__Output>
      BatchKind: EnumTypeDefinition
      CallbackStatus: MessageTypeDefinition<_recommender_v1_CallbackStatus, _recommender_v1_CallbackStatus__Output>
      CancelTrainingRequest: MessageTypeDefinition<_recommender_v1_CancelTrainingRequest, _recommender_v1_CancelTrainingRequest__Output>
      DataCounts: MessageTypeDefinition<_recommender_v1_DataCounts, _recommender_v1_DataCounts__Output>
      DataFilters: MessageTypeDefinition<_recommender_v1_DataFilters, _recommender_v1_DataFilters__Output>
      DatasetDescription: MessageTypeDefinition<_recommender_v1_DatasetDescription, _recommender_v1_DatasetDescription__Output>
      DatasetStatistics: MessageTypeDefinition<_recommender_v1_DatasetStatistics, _recommender_v1_DatasetStatistics__Output>
      DeleteBatchesRequest: MessageTypeDefinition<_recommender_v1_DeleteBatchesRequest, _recommender_v1_DeleteBatchesRequest__Output>
      DeleteBatchesResponse: MessageTypeDefinition<_recommender_v1_DeleteBatchesResponse, _recommender_v1_DeleteBatchesResponse__Output>
      DeleteModelRequest: MessageTypeDefinition<_recommender_v1_DeleteModelRequest, _recommender_v1_DeleteModelRequest__Output>
      DeleteModelResponse: MessageTypeDefinition<_recommender_v1_DeleteModelResponse, _recommender_v1_DeleteModelResponse__Output>
      DescribeDatasetRequest: MessageTypeDefinition<_recommender_v1_DescribeDatasetRequest, _recommender_v1_DescribeDatasetRequest__Output>
      Distribution: MessageTypeDefinition<_recommender_v1_Distribution, _recommender_v1_Distribution__Output>
      EntityFilter: MessageTypeDefinition<_recommender_v1_EntityFilter, _recommender_v1_EntityFilter__Output>
      Evaluation: MessageTypeDefinition<_recommender_v1_Evaluation, _recommender_v1_Evaluation__Output>
      EvaluationOptions: MessageTypeDefinition<_recommender_v1_EvaluationOptions, _recommender_v1_EvaluationOptions__Output>
      ExportModelHeader: MessageTypeDefinition<_recommender_v1_ExportModelHeader, _recommender_v1_ExportModelHeader__Output>
      ExportModelRequest: MessageTypeDefinition<_recommender_v1_ExportModelRequest, _recommender_v1_ExportModelRequest__Output>
      ExportModelResponse: MessageTypeDefinition<_recommender_v1_ExportModelResponse, _recommender_v1_ExportModelResponse__Output>
      FoldInInteraction: MessageTypeDefinition<_recommender_v1_FoldInInteraction, _recommender_v1_FoldInInteraction__Output>
      GetModelRequest: MessageTypeDefinition<_recommender_v1_GetModelRequest, _recommender_v1_GetModelRequest__Output>
      GetStatusRequest: MessageTypeDefinition<_recommender_v1_GetStatusRequest, _recommender_v1_GetStatusRequest__Output>
      HyperparameterChoice: MessageTypeDefinition<_recommender_v1_HyperparameterChoice, _recommender_v1_HyperparameterChoice__Output>
      Hyperparameters: MessageTypeDefinition<_recommender_v1_Hyperparameters, _recommender_v1_Hyperparameters__Output>
      ImportBatchHeader: MessageTypeDefinition<_recommender_v1_ImportBatchHeader, _recommender_v1_ImportBatchHeader__Output>
      ImportBatchRequest: MessageTypeDefinition<_recommender_v1_ImportBatchRequest, _recommender_v1_ImportBatchRequest__Output>
      InteractionFilter: MessageTypeDefinition<_recommender_v1_InteractionFilter, _recommender_v1_InteractionFilter__Output>
      JobStatus: EnumTypeDefinition
      ListBatchesRequest: MessageTypeDefinition<_recommender_v1_ListBatchesRequest, _recommender_v1_ListBatchesRequest__Output>
      ListBatchesResponse: MessageTypeDefinition<_recommender_v1_ListBatchesResponse, _recommender_v1_ListBatchesResponse__Output>
      ListModelVersionsRequest: MessageTypeDefinition<_recommender_v1_ListModelVersionsRequest, _recommender_v1_ListModelVersionsRequest__Output>
      ListModelVersionsResponse: MessageTypeDefinition<_recommender_v1_ListModelVersionsResponse, _recommender_v1_ListModelVersionsResponse__Output>
      ListModelsRequest: MessageTypeDefinition<_recommender_v1_ListModelsRequest, _recommender_v1_ListModelsRequest__Output>
      ListModelsResponse: MessageTypeDefinition<_recommender_v1_ListModelsResponse, _recommender_v1_ListModelsResponse__Output>
      MetadataCondition: MessageTypeDefinition<_recommender_v1_MetadataCondition, _recommender_v1_MetadataCondition__Output>
      Model: MessageTypeDefinition<_recommender_v1_Model, _recommender_v1_Model__Output>
      ModelVersion: MessageTypeDefinition<_recommender_v1_ModelVersion, _recommender_v1_ModelVersion__Output>
      PromotePolicy: EnumTypeDefinition
      RankingMetrics: MessageTypeDefinition<_recommender_v1_RankingMetrics, _recommender_v1_RankingMetrics__Output>
      RecommendAllRequest: MessageTypeDefinition<_recommender_v1_RecommendAllRequest, _recommender_v1_RecommendAllRequest__Output>
      RecommendAllResponse: MessageTypeDefinition<_recommender_v1_RecommendAllResponse, _recommender_v1_RecommendAllResponse__Output>
      RecommendRequest: MessageTypeDefinition<_recommender_v1_RecommendRequest, _recommender_v1_RecommendRequest__Output>
      RecommendResponse: MessageTypeDefinition<_recommender_v1_RecommendResponse, _recommender_v1_RecommendResponse__Output>
      Recommendation: MessageTypeDefinition<_recommender_v1_Recommendation, _recommender_v1_Recommendation__Output>
      Recommender: SubtypeConstructor<typeof grpc.Client, _recommender_v1_RecommenderClient> & { service: _recommender_v1_RecommenderDefinition }
      RollbackModelRequest: MessageTypeDefinition<_recommender_v1_RollbackModelRequest, _recommender_v1_RollbackModelRequest__Output>
      SearchRange: MessageTypeDefinition<_recommender_v1_SearchRange, _recommender_v1_SearchRange__Output>
      SimilarItemsRequest: MessageTypeDefinition<_recommender_v1_SimilarItemsRequest, _recommender_v1_SimilarItemsRequest__Output>
      SimilarItemsResponse: MessageTypeDefinition<_recommender_v1_SimilarItemsResponse, _recommender_v1_SimilarItemsResponse__Output>
      SourceRecommendations: MessageTypeDefinition<_recommender_v1_SourceRecommendations, _recommender_v1_SourceRecommendations__Output>
      TagMatch: EnumTypeDefinition
      TrainRequest: MessageTypeDefinition<_recommender_v1_TrainRequest, _recommender_v1_TrainRequest__Output>
      TrainingStatus: MessageTypeDefinition<_recommender_v1_TrainingStatus, _recommender_v1_TrainingStatus__Output>
      TuningOptions: MessageTypeDefinition<_recommender_v1_TuningOptions, _recommender_v1_TuningOptions__Output>
      TuningProgress: MessageTypeDefinition<_recommender_v1_TuningProgress, _recommender_v1_TuningProgress__Output>
      TuningResult: MessageTypeDefinition<_recommender_v1_TuningResult, _recommender_v1_TuningResult__Output>
      TuningTrial: MessageTypeDefinition<_recommender_v1_TuningTrial, _recommender_v1_TuningTrial__Output>
      UnknownEntityPolicy: EnumTypeDefinition
      WatchStatusRequest: MessageTypeDefinition<_recommender_v1_WatchStatusRequest, _recommender_v1_WatchStatusRequest__Output>
    }
  }
}

