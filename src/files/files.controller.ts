import {
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Req,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Audit } from '../audit/audit.decorator';
import { Caller, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { readProject, writeProject } from '../auth/project-scope';
import { IdParamPipe } from '../http/id-param.pipe';
import { EmptyUploadError, FileNotFoundError, NotMultipartError } from './file-errors';
import { FileResponse, toFileResponse } from './file.response';
import { QuotaService } from '../limits/quota.service';
import { FilesService } from './files.service';
import { StoredUpload } from './upload-storage';

const FILE_ID = new IdParamPipe(() => new FileNotFoundError());

@ApiTags('files')
@Controller('api/files')
@Roles('viewer')
export class FilesController {
  constructor(
    private readonly files: FilesService,
    private readonly quotas: QuotaService,
  ) {}

  @Post()
  @Roles('operator')
  @Audit('file.upload')
  @HttpCode(201)
  @UseInterceptors(FileInterceptor('file'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } },
  })
  @ApiOperation({ summary: 'Upload a CSV file or an image for a task' })
  async upload(
    @Req() request: Request,
    @Caller() caller: Principal,
    @UploadedFile() file?: StoredUpload & { originalname: string },
  ): Promise<FileResponse> {
    if (!request.is('multipart/form-data'))
      throw new NotMultipartError(request.headers['content-type'] ?? 'none');
    if (!file) throw new EmptyUploadError();
    const project = writeProject(caller);
    try {
      await this.quotas.checkStorage(project, file.size);
    } catch (error) {
      await this.files.discard(file);
      throw error;
    }
    return toFileResponse(await this.files.register(file, file.originalname, project));
  }

  @Get(':id')
  @ApiOperation({ summary: "An upload's metadata" })
  async get(@Param('id', FILE_ID) id: string, @Caller() caller: Principal): Promise<FileResponse> {
    return toFileResponse(await this.files.get(id, readProject(caller)));
  }
}
